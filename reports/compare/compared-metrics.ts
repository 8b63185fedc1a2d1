/**
 * The metrics `rtcstorm compare` reads from a report, each with its own way to estimate one run's
 * noise. Higher is worse for all but a search's capacity. Where a run has no data, `missingIsWorse` says whether that means
 * the candidate broke (no latency samples at all) or is fine (no failures, so no recovery time; an
 * external target, so no server CPU).
 */
import type { TrendMetric } from '../../core/metrics/catalogue.js';
import { MetricStore } from '../../core/metrics/store.js';
import type { Report } from '../report-types.js';
import { meanInterval, percentileInterval, proportionInterval, type Interval } from './noise.js';

/** A report with its metrics decoded once: several metrics read the same histograms. */
export interface LoadedRun { report: Report; store: MetricStore }

export function loadedRun(report: Report): LoadedRun {
  return { report, store: MetricStore.fromJSON(report.raw) };
}

export interface Measurement {
  value: number;
  /** 95% interval from this run's own samples, when one can be estimated. */
  interval: Interval | null;
}

export interface ComparedMetric {
  /** What --metrics selects: e.g. e2e_latency_ms.p95; the part before the dot selects all its percentiles. */
  id: string;
  unit: 'ms' | 'ratio' | 'percent' | 'bots';
  missingIsWorse: boolean;
  /** A capacity: lower is worse. */
  higherIsBetter?: boolean;
  /** null when the run has no data for it. */
  measure(run: LoadedRun): Measurement | null;
}

function percentileOf(metric: TrendMetric, p: number, missingIsWorse: boolean): ComparedMetric {
  return {
    id: `${metric}.p${p}`,
    unit: 'ms',
    missingIsWorse,
    measure({ store }) {
      const h = store.histogram(metric);
      return h.count === 0 ? null : { value: h.percentile(p), interval: percentileInterval(h, p) };
    },
  };
}

const loss: ComparedMetric = {
  id: 'packet_loss_ratio',
  unit: 'ratio',
  missingIsWorse: true,
  measure({ store }) {
    const expected = store.counter('packets_expected');
    if (expected === 0) return null;
    const lost = Math.max(0, expected - store.counter('packets_received'));
    return { value: lost / expected, interval: proportionInterval(lost, expected) };
  },
};

/** Total SFU CPU per connected bot, averaged over the seconds that have both; the server's cost of one bot. */
const serverCpuPerBot: ComparedMetric = {
  id: 'server_cpu_percent_per_bot',
  unit: 'percent',
  missingIsWorse: false,
  measure({ report }) {
    const cpuAt = new Map<number, number>();
    for (const node of report.server.nodes) for (const p of node.points) cpuAt.set(p.t, (cpuAt.get(p.t) ?? 0) + p.cpuPercent);
    const perBot = report.timeline.flatMap((p) => (p.botsConnected > 0 && cpuAt.has(p.t) ? [cpuAt.get(p.t)! / p.botsConnected] : []));
    if (perBot.length === 0) return null;
    return { value: perBot.reduce((a, b) => a + b, 0) / perBot.length, interval: meanInterval(perBot) };
  },
};

/**
 * The bots a capacity search held. A search only tells capacity to within a step (held one, broke
 * the next): that is its interval. An invalid or unfinished search has no answer.
 */
export const capacityBots: ComparedMetric = {
  id: 'capacity_bots',
  unit: 'bots',
  missingIsWorse: true,
  higherIsBetter: true,
  measure({ report }) {
    const c = report.capacity;
    if (!c || (c.outcome !== 'target-limit' && c.outcome !== 'max-reached')) return null;
    const value = c.held?.bots ?? 0;
    const next = c.broke?.step.bots ?? value;
    return { value, interval: { low: value - (next - value), high: next } };
  },
};

export const comparedMetrics: readonly ComparedMetric[] = [
  capacityBots,
  percentileOf('e2e_latency_ms', 50, true),
  percentileOf('e2e_latency_ms', 95, true),
  percentileOf('e2e_latency_ms', 99, true),
  loss,
  percentileOf('jitter_ms', 95, true),
  percentileOf('join_time_ms', 95, true),
  percentileOf('recovery_time_ms', 95, false),
  serverCpuPerBot,
];

/** The metrics a --metrics list names (ids, or a metric name for all its percentiles); throws on a name that matches none. */
export function selectMetrics(names: readonly string[] | undefined, search = false): ComparedMetric[] {
  // A search's whole-run latency grows with how far it got: between searches only capacity compares.
  if (names === undefined || names.length === 0) return search ? [capacityBots] : comparedMetrics.filter((m) => m !== capacityBots);
  const chosen = new Set<ComparedMetric>();
  for (const name of names) {
    const matches = comparedMetrics.filter((m) => m.id === name || m.id.split('.')[0] === name);
    if (matches.length === 0) throw new RangeError(`unknown metric "${name}" (known: ${comparedMetrics.map((m) => m.id).join(', ')})`);
    for (const m of matches) chosen.add(m);
  }
  return comparedMetrics.filter((m) => chosen.has(m));
}
