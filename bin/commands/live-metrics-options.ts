import { parseListenAddress, parsePushUrl } from '../../reports/prometheus/addresses.js';
import { PrometheusExporter } from '../../reports/prometheus/exporter.js';

export interface LiveMetricsOptions {
  prometheus?: string;
  prometheusPush?: string;
  allowNonLoopback?: boolean;
}

/** A --prometheus option the user must fix: bad address, non-loopback host, port taken. */
export class LiveMetricsOptionError extends Error {}

/** The exporter asked for by --prometheus / --prometheus-push, listening already; undefined when neither is given. */
export async function startLiveMetrics(opts: LiveMetricsOptions, scenario: { name: string; seed: number }): Promise<PrometheusExporter | undefined> {
  if (opts.prometheus === undefined && opts.prometheusPush === undefined) return undefined;
  let exporter: PrometheusExporter;
  try {
    const listen = opts.prometheus === undefined ? undefined : parseListenAddress(opts.prometheus, opts.allowNonLoopback);
    const pushUrl = opts.prometheusPush === undefined ? undefined : parsePushUrl(opts.prometheusPush, opts.allowNonLoopback);
    exporter = await PrometheusExporter.start({ scenario, listen, pushUrl });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LiveMetricsOptionError(code ? `--prometheus ${opts.prometheus}: cannot listen (${code})` : (error as Error).message);
  }
  const at = exporter.address();
  if (at) process.stderr.write(`live metrics: http://${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}/metrics\n`);
  return exporter;
}
