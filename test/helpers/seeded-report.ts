/**
 * Reports built the way a run builds them (buildReport over a MetricStore), from seeded synthetic
 * samples instead of bots: for tests of writers and of compare that need known distributions.
 */
import { MetricStore, type RunEvent } from '../../core/metrics/index.js';
import { planRun } from '../../core/plan/planned-run.js';
import { seededRandom } from '../../core/plan/random.js';
import { parseScenario } from '../../core/scenario/index.js';
import { buildReport } from '../../reports/build-report.js';
import type { Report } from '../../reports/report-types.js';

const START = 1_700_000_000_000;

export interface SeededRun {
  seed: number;
  seconds?: number;
  /** Median one-way latency; samples spread log-normally around it. */
  latencyMedianMs?: number;
  lossRatio?: number;
  /** Packets received per second, i.e. latency samples per second. */
  packetsPerSecond?: number;
  /** YAML mapping of the scenario's thresholds. */
  thresholds?: string;
  events?: RunEvent[];
  complete?: boolean;
}

/** Standard normal from two uniforms (Box–Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function seededReport(run: SeededRun): Report {
  const seconds = run.seconds ?? 10;
  const perSecond = run.packetsPerSecond ?? 2000;
  const median = run.latencyMedianMs ?? 20;
  const bots = 8;
  const scenario = parseScenario(
    `name: seeded\nseed: ${run.seed}\nduration: ${seconds}s\nrooms: { count: 2, size: 4 }\nfleet:\n  - { engine: werift, name: voice, count: ${bots} }\nthresholds: ${run.thresholds ?? '{}'}\n`,
    'seeded.yaml',
  );
  const random = seededRandom(run.seed);
  const store = new MetricStore(START);
  for (let i = 0; i < bots; i++) store.record('join_time_ms', 200 + 100 * random(), 'voice', START);
  store.count('bots_joined', bots, 'voice', START);
  for (let t = 0; t < seconds; t++) {
    const at = START + t * 1000 + 500;
    for (let i = 0; i < perSecond; i++) store.record('e2e_latency_ms', median * Math.exp(0.3 * gaussian(random)), 'voice', at);
    for (let i = 0; i < bots; i++) store.record('jitter_ms', 1 + random(), 'voice', at);
    store.count('packets_sent', Math.round(perSecond / 3), 'voice', at);
    store.count('packets_received', perSecond, 'voice', at);
    store.count('packets_expected', Math.round(perSecond / (1 - (run.lossRatio ?? 0))), 'voice', at);
    store.gauge('bots_connected', bots, 'voice', at);
  }
  for (const e of run.events ?? []) store.event(e);
  const complete = run.complete ?? true;
  const planned = planRun(scenario);
  return buildReport({
    scenario,
    plan: planned.whole,
    network: planned.network,
    store,
    startedAtMs: START,
    durationMs: seconds * 1000,
    complete,
    abortReason: complete ? null : 'interrupted (SIGTERM) after 3.0 s',
    targetUrls: ['ws://127.0.0.1:40000'],
    skipped: [],
    server: [],
    machineCores: null,
  });
}
