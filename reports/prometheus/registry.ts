/**
 * prom-client registries that expose LiveMetrics: OpenMetrics for scrapes, and the Prometheus text
 * format for the Pushgateway, which does not read OpenMetrics. Families are registered as custom
 * metric objects because their values (notably histogram buckets) come from the run's HDR
 * histograms, not from prom-client's own observe/inc calls.
 */
import { Registry, type Metric, type RegistryContentType } from 'prom-client';
import type { LiveMetrics, MetricFamily } from './live-metrics.js';

export const openMetricsContentType = Registry.OPENMETRICS_CONTENT_TYPE;
export const prometheusTextContentType = Registry.PROMETHEUS_CONTENT_TYPE;

/** The sample name in the registry's format: OpenMetrics registries append `_total` to counters themselves. */
function sampleName(family: MetricFamily, suffix: string | undefined, openMetrics: boolean): string | undefined {
  if (suffix) return family.name + suffix;
  return family.type === 'counter' && !openMetrics ? `${family.name}_total` : undefined;
}

export function liveRegistry<T extends RegistryContentType>(live: LiveMetrics, contentType: T): Registry<T> {
  const registry = new Registry<T>();
  registry.setContentType(contentType);
  const openMetrics = contentType === openMetricsContentType;
  for (const { name, help, type } of live.families()) {
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => {
        const family = live.families().find((f) => f.name === name)!;
        const values = family.samples.map((s) => ({ labels: s.labels, value: s.value, metricName: sampleName(family, s.suffix, openMetrics) }));
        return { name, help, type, aggregator: 'sum', values };
      },
    };
    // prom-client's Metric type only admits its own classes; the registry needs just these fields.
    registry.registerMetric(metric as unknown as Metric);
  }
  return registry;
}
