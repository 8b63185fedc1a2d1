/**
 * Something that watches a run as it happens: the progress line, a Prometheus endpoint, … Every
 * hook is optional, and a throwing observer is reported but never stops the run (as Playwright's
 * reporters run behind a multiplexer).
 */
import type { SharedMachine } from '../../reports/harness-validity.js';
import type { Report } from '../../reports/report-types.js';
import type { MetricStore } from '../metrics/store.js';
import type { RunPlan } from '../plan/plan.js';
import type { Scenario } from '../scenario/index.js';
import type { ProgressSnapshot } from './progress.js';

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

/** Calls a hook on every observer; failures become warnings on stderr. */
export async function notify<K extends keyof RunObserver>(observers: RunObserver[], hook: K, ...args: Parameters<NonNullable<RunObserver[K]>>): Promise<void> {
  for (const observer of observers) {
    try {
      await (observer[hook] as ((...a: typeof args) => unknown) | undefined)?.call(observer, ...args);
    } catch (error) {
      process.stderr.write(`rtcstorm: observer ${hook} failed: ${(error as Error).message}\n`);
    }
  }
}
