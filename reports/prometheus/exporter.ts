/**
 * `run --prometheus` / `--prometheus-push`: a RunObserver that serves the run's live metrics on
 * /metrics (OpenMetrics, or the Prometheus text format for clients that do not ask for OpenMetrics)
 * and pushes them to a Pushgateway every few seconds and once more at the end.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pushgateway } from 'prom-client';
import type { MetricStore } from '../../core/metrics/store.js';
import type { RunContext, RunObserver } from '../../ports/run-observer.js';
import type { Report } from '../report-types.js';
import { warnOnStderr } from '../write-outputs.js';
import type { ListenAddress } from './addresses.js';
import { LiveMetrics } from './live-metrics.js';
import { liveRegistry, openMetricsContentType, prometheusTextContentType } from './registry.js';

export interface PrometheusOptions {
  scenario: { name: string; seed: number };
  listen?: ListenAddress;
  pushUrl?: string;
  pushIntervalMs?: number;
  warn?: (message: string) => void;
}

/**
 * A second is complete once every fleet process has shipped it; they ship each closed second within
 * about a second, so the exporter reads up to two seconds behind the clock.
 */
const completeAfterSeconds = 2;

export class PrometheusExporter implements RunObserver {
  readonly #live: LiveMetrics;
  readonly #openMetrics;
  readonly #text;
  readonly #warn: (message: string) => void;
  readonly #warned = new Set<string>();
  #server: Server | null = null;
  #pushTimer: NodeJS.Timeout | null = null;
  #pushing: Promise<void> | null = null;
  #store: MetricStore | null = null;

  private constructor(private readonly options: PrometheusOptions) {
    this.#live = new LiveMetrics(options.scenario);
    this.#openMetrics = liveRegistry(this.#live, openMetricsContentType);
    this.#text = liveRegistry(this.#live, prometheusTextContentType);
    this.#warn = options.warn ?? warnOnStderr;
  }

  /** Binds the scrape endpoint before the run starts, so a port in use fails the command, not the run. */
  static async start(options: PrometheusOptions): Promise<PrometheusExporter> {
    const exporter = new PrometheusExporter(options);
    if (options.listen) await exporter.#listen(options.listen);
    return exporter;
  }

  /** Where /metrics is served (the real port when 0 was asked for); null without --prometheus. */
  address(): ListenAddress | null {
    const a = this.#server?.address() as AddressInfo | null | undefined;
    return a ? { host: a.address, port: a.port } : null;
  }

  onStart({ store }: { store: MetricStore }): void {
    this.#store = store;
    if (this.options.pushUrl) this.#pushTimer = setInterval(() => void this.#push(), this.options.pushIntervalMs ?? 5000);
  }

  onProgress(_snapshot: unknown, context: RunContext): void {
    const currentSecond = Math.floor((Date.now() - context.store.startMs) / 1000);
    this.#live.update(context.store, currentSecond - completeAfterSeconds);
    this.#live.judge(context, currentSecond - completeAfterSeconds);
  }

  async onEnd(report: Report): Promise<void> {
    if (this.#store) this.#live.update(this.#store, Infinity);
    this.#live.judged(report.harness.valid && report.complete);
    if (this.#pushTimer) clearInterval(this.#pushTimer);
    this.#pushTimer = null;
    await this.#pushing;
    await this.#push();
  }

  async close(): Promise<void> {
    if (this.#pushTimer) clearInterval(this.#pushTimer);
    await this.#pushing;
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    // A scraper's keep-alive connection would hold close() open.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #listen({ host, port }: ListenAddress): Promise<void> {
    const server = createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://x').pathname !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('rtcstorm serves /metrics only\n');
      return;
    }
    const openMetrics = /application\/openmetrics-text/.test(req.headers.accept ?? '');
    const registry = openMetrics ? this.#openMetrics : this.#text;
    try {
      const body = await registry.metrics();
      res.writeHead(200, { 'Content-Type': registry.contentType }).end(body);
    } catch (error) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${(error as Error).message}\n`);
    }
  }

  /** One push at a time; each distinct failure is reported once, and never stops the run. */
  #push(): Promise<void> {
    const url = this.options.pushUrl;
    if (!url || this.#pushing) return this.#pushing ?? Promise.resolve();
    const gateway = new Pushgateway(url, { timeout: 5000 }, this.#text);
    this.#pushing = gateway
      .push({ jobName: 'rtcstorm', groupings: { scenario: this.options.scenario.name } })
      .then(
        () => undefined,
        (error: Error) => {
          const message = `Pushgateway ${url}: ${error.message}`;
          if (!this.#warned.has(message)) this.#warn(message);
          this.#warned.add(message);
        },
      )
      .finally(() => (this.#pushing = null));
    return this.#pushing;
  }
}
