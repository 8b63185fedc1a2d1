/**
 * A measured window of a run's seconds, read from its report: what it cost the fleet processes
 * (their own per-second CPU samples, taken in the same tick as their packet counts) and the SFU
 * (the report's server series), and how the media fared.
 */
import type { Histogram } from '../core/metrics/histogram.js';
import type { MetricStore } from '../core/metrics/store.js';
import type { Report } from '../reports/report-types.js';

export interface MediaWindow {
  /** Seconds of the run measured, inclusive. */
  fromSecond: number;
  toSecond: number;
  seconds: number;
  /** Fleet processes together. */
  loaderCpuMs: number;
  /** Fleet processes' CPU as a fraction of one core, together. */
  loaderCores: number;
  /** Each fleet process as a fraction of one core. */
  processCores: number[];
  /** The run process (here the bench's own: it merges the fleet's metrics, samples the SFU, journals), not part of the loader. */
  runProcessCores: number;
  /** The worst per-second p99 of any fleet process in the window, less the 10 ms sampling interval. */
  lagP99Ms: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  sent: number;
  received: number;
  /** Packets the receivers should have had, by sequence numbers. */
  expected: number;
  lossRatio: number;
  workerCpuMs: number;
  /** Each mediasoup worker's CPU as a fraction of one core. */
  workerCores: number[];
  /** The SFU node process (signalling) as a fraction of one core. */
  sfuNodeCores: number;
}

export const fleetGroups = (store: MetricStore): string[] => store.groups('harness_cpu_percent').filter((g) => g.startsWith('fleet-'));

/** Mean CPU of a harness process over seconds `from`..`to`, as a fraction of one core (0 when it sent no sample). */
export function coresOf(store: MetricStore, group: string, from: number, to: number): number {
  const h = store.histogram('harness_cpu_percent', group, from, to);
  return h.count > 0 ? h.mean / 100 : 0;
}

/** Fleet processes' CPU over seconds `from`..`to`, together, in ms. */
export function loaderCpuMsOver(store: MetricStore, from: number, to: number): number {
  return fleetGroups(store).reduce((ms, g) => ms + coresOf(store, g, from, to) * 1000 * (to - from + 1), 0);
}

export function packetsOver(store: MetricStore, from: number, to: number): number {
  return store.counter('packets_sent', undefined, from, to) + store.counter('packets_received', undefined, from, to);
}

export function measureWindow(report: Report, store: MetricStore, from: number, to: number): { media: MediaWindow; latency: Histogram } {
  const seconds = to - from + 1;
  const processCores = fleetGroups(store).map((g) => coresOf(store, g, from, to));
  const loaderCores = processCores.reduce((a, b) => a + b, 0);
  const lagP99Ms = Math.max(0, ...fleetGroups(store).map((g) => store.histogram('event_loop_lag_ms', g, from, to).max).filter(Number.isFinite));
  const latency = store.histogram('e2e_latency_ms', undefined, from, to);
  const sent = store.counter('packets_sent', undefined, from, to);
  const received = store.counter('packets_received', undefined, from, to);
  const expected = store.counter('packets_expected', undefined, from, to);
  // A server point at t covers the second before it was taken (within t): the window's seconds are points from+1..to+1.
  const points = (report.server.nodes[0]?.points ?? []).filter((p) => p.t > from && p.t <= to + 1);
  const workerIds = [...new Set(points.flatMap((p) => Object.keys(p.workerCpuPercent)))].sort();
  const meanOf = (values: number[]): number => (values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
  const workerCores = workerIds.map((id) => meanOf(points.map((p) => p.workerCpuPercent[id] ?? 0)) / 100);
  const workersOf = (p: (typeof points)[number]): number => Object.values(p.workerCpuPercent).reduce((a, b) => a + b, 0);
  const media: MediaWindow = {
    fromSecond: from,
    toSecond: to,
    seconds,
    loaderCpuMs: loaderCores * 1000 * seconds,
    loaderCores,
    processCores,
    runProcessCores: coresOf(store, 'run', from, to),
    lagP99Ms,
    latencyP50Ms: latency.percentile(50),
    latencyP99Ms: latency.percentile(99),
    sent,
    received,
    expected,
    lossRatio: expected > 0 ? Math.max(0, 1 - received / expected) : 1,
    workerCpuMs: workerCores.reduce((a, b) => a + b, 0) * 1000 * seconds,
    workerCores,
    sfuNodeCores: meanOf(points.map((p) => p.cpuPercent - workersOf(p))) / 100,
  };
  return { media, latency };
}
