/**
 * A capacity search, live: each step is judged shortly after it ends, and the first that does not
 * hold ends the run (complete: the search has its answer). The report judges the steps again on
 * the final store; a step's seconds are all in by the time it is judged here.
 */
import type { Clock, Timer } from '../clock.js';
import type { MetricStore } from '../metrics/store.js';
import { capacitySteps } from '../plan/capacity-plan.js';
import type { RunPlan } from '../plan/plan.js';
import type { Scenario } from '../scenario/index.js';
import { judgeStep } from '../../reports/capacity/judge-step.js';
import type { CapacityStepReport, SharedMachine } from '../../reports/report-types.js';

/** How long after a step's end its last second's samples are in (fleet processes ship each second when it ends). */
export const stepSettleMs = 2500;

export interface CapacityWatch {
  scenario: Scenario;
  plan: RunPlan;
  store: MetricStore;
  machine: () => SharedMachine | null;
  clock: Clock;
  /** The first step that did not hold: the run ends. */
  onBreak(step: CapacityStepReport): void;
}

/** Starts judging; the returned function stops it. The last step needs no judging here: the run ends with it. */
export function watchCapacity(watch: CapacityWatch): () => void {
  const timers: Timer[] = [];
  const steps = capacitySteps(watch.scenario).slice(0, -1);
  let broken = false;
  for (const step of steps) {
    const dueMs = watch.store.startMs + step.endMs + stepSettleMs - watch.clock.now();
    timers.push(
      watch.clock.setTimeout(() => {
        if (broken) return;
        const judged = judgeStep({ scenario: watch.scenario, plan: watch.plan, store: watch.store, machine: watch.machine(), runMs: step.endMs }, step);
        watch.store.event({ atMs: watch.clock.now() - watch.store.startMs, kind: 'capacity-step', action: judged.outcome, target: `step ${step.index}: ${step.bots} bots in ${step.rooms} rooms`, ok: judged.outcome === 'held' });
        if (judged.outcome === 'held') return;
        broken = true;
        watch.onBreak(judged);
      }, Math.max(0, dueMs)),
    );
  }
  return () => {
    for (const timer of timers) watch.clock.clearTimeout(timer);
  };
}
