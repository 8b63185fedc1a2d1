/**
 * Something that watches a run as it happens: the progress line, a Prometheus endpoint, … Every
 * hook is optional, and a throwing observer is reported but never stops the run (as Playwright's
 * reporters run behind a multiplexer).
 */
import type { MetricStore } from '../core/metrics/store.js';
import type { RunPlan } from '../core/plan/plan.js';
import type { Scenario } from '../core/scenario/index.js';
import type { Report, SharedMachine } from '../reports/report-types.js';

/** What the progress line shows, once a second. */
export interface ProgressSnapshot {
  elapsedS: number;
  durationS: number;
  connected: number;
  planned: number;
  failed: number;
  packetsPerSecond: number;
  latencyP99Ms: number | null;
  lossRatio: number | null;
  /** With the bundled target: fleet, browsers and target together, in percent of the machine's cores (harness validity's machine check). */
  machinePercent: number | null;
  /** A capacity search: the step running now (0-based, of `steps`) and its load. */
  capacityStep?: { index: number; steps: number; rooms: number; bots: number };
}

export interface RunContext {
  scenario: Scenario;
  plan: RunPlan;
  /** The run's merged metrics, updated once per second while the run goes on. */
  store: MetricStore;
  /** With the bundled target: the machine fleet and target share, as sampled so far. */
  machine(): SharedMachine | null;
}

export interface RunObserver {
  onStart?(context: RunContext): void | Promise<void>;
  onProgress?(snapshot: ProgressSnapshot, context: RunContext): void;
  onEnd?(report: Report): void | Promise<void>;
  /** Called after onEnd, and also when the run failed early: release sockets, timers. */
  close?(): void | Promise<void>;
}

