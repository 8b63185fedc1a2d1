/**
 * Reads one number out of a store for a metric and an aggregation (k6's `p(99)`, `avg`, `value`,
 * `count`, `rate`, …). Thresholds, reports and comparisons all read metrics through this.
 */
import type { Aggregation } from '../scenario/thresholds.js';
import { engineRates } from '../scenario/engine-kinds.js';
import { metricCatalogue, type CounterMetric, type GaugeMetric, type MetricName, type RateMetric, type TrendMetric } from './catalogue.js';
import type { MetricStore } from './store.js';

export interface AggregateScope {
  /** One fleet group, or every group when omitted. */
  group?: string;
  /** Length of what is read (the run, or the window), for counters' per-second `rate`. */
  durationMs: number;
  /** Only these seconds of the run, both included (a capacity step's window); all when omitted. */
  fromSecond?: number;
  toSecond?: number;
}

/** Packets not received / packets expected; undefined when nothing was expected. */
export function lossRatio(store: MetricStore, group?: string, fromSecond?: number, toSecond?: number): number | undefined {
  const expected = store.counter('packets_expected', group, fromSecond, toSecond);
  if (expected === 0) return undefined;
  return Math.max(0, 1 - store.counter('packets_received', group, fromSecond, toSecond) / expected);
}

/** Rate metrics are not stored: each is read from two counters, so it merges exactly as counters do. */
const rates = { packet_loss_ratio: lossRatio, ...engineRates } as Record<RateMetric, (store: MetricStore, group?: string, fromSecond?: number, toSecond?: number) => number | undefined>;

function trend(store: MetricStore, metric: TrendMetric, scope: AggregateScope, a: Aggregation): number | undefined {
  const h = store.histogram(metric, scope.group, scope.fromSecond, scope.toSecond);
  if (a === 'count') return h.count;
  if (h.count === 0) return undefined;
  if (typeof a === 'object') return h.percentile(a.percentile);
  switch (a) {
    case 'avg':
      return h.mean;
    case 'min':
      return h.min;
    case 'max':
      return h.max;
    case 'med':
      return h.percentile(50);
    default:
      return undefined;
  }
}

function gauge(store: MetricStore, metric: GaugeMetric, scope: AggregateScope, a: Aggregation): number | undefined {
  const inScope = (t: number): boolean => t >= (scope.fromSecond ?? 0) && t <= (scope.toSecond ?? Infinity);
  const values = store.seconds().filter(inScope).flatMap((t) => store.gaugeAt(metric, t, scope.group) ?? []);
  if (values.length === 0) return undefined;
  if (a === 'value') return values[values.length - 1];
  if (a === 'min') return Math.min(...values);
  if (a === 'max') return Math.max(...values);
  return undefined;
}

export function aggregate(store: MetricStore, metric: MetricName, scope: AggregateScope, a: Aggregation): number | undefined {
  switch (metricCatalogue[metric].kind) {
    case 'trend':
      return trend(store, metric as TrendMetric, scope, a);
    case 'gauge':
      return gauge(store, metric as GaugeMetric, scope, a);
    case 'rate':
      // For a rate metric `value` and `rate` are the same number.
      return a === 'value' || a === 'rate' ? rates[metric as RateMetric](store, scope.group, scope.fromSecond, scope.toSecond) : undefined;
    case 'counter': {
      const count = store.counter(metric as CounterMetric, scope.group, scope.fromSecond, scope.toSecond);
      if (a === 'count') return count;
      if (a === 'rate') return scope.durationMs > 0 ? count / (scope.durationMs / 1000) : undefined;
      return undefined;
    }
  }
}
