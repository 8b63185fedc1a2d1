/**
 * How one step of a capacity search ended, read from the store: its SLOs on its hold window, and
 * whether the harness was valid over the step. The run calls this live to stop the search, and the
 * report calls it again on the final store.
 */
import { aggregate } from '../../core/metrics/aggregate.js';
import type { MetricStore } from '../../core/metrics/store.js';
import type { CapacityStep } from '../../core/plan/capacity-plan.js';
import type { RunPlan } from '../../core/plan/plan.js';
import { evaluateThreshold, type Scenario } from '../../core/scenario/index.js';
import { validityReasons } from '../harness-validity.js';
import type { CapacityStepReport, SharedMachine, ThresholdResult } from '../report-types.js';

export interface StepFacts {
  scenario: Scenario;
  /** The whole plan: a step's bots are those due by its end. */
  plan: RunPlan;
  store: MetricStore;
  machine: SharedMachine | null;
  /** How far the run got, ms after its start: a step that ends later is incomplete. */
  runMs: number;
}

/** Seconds [from, to] of a span in ms: every second that starts inside it. */
const windowOf = (fromMs: number, toMs: number): { fromSecond: number; toSecond: number } => ({ fromSecond: Math.ceil(fromMs / 1000), toSecond: Math.ceil(toMs / 1000) - 1 });

// Joins happen in the step's ramp, so a join SLO reads the whole step; the rest read the steady hold.
const wholeStepMetrics = new Set(['join_time_ms', 'bots_joined', 'bots_failed']);

function sloResults(facts: StepFacts, step: CapacityStep): ThresholdResult[] {
  return facts.scenario.capacity!.slo.map((slo) => {
    const window = windowOf(wholeStepMetrics.has(slo.metric) ? step.startMs : step.holdFromMs, step.endMs);
    const scope = { ...window, durationMs: (window.toSecond - window.fromSecond + 1) * 1000 };
    const { ok, value } = evaluateThreshold(slo.condition, (a) => aggregate(facts.store, slo.metric, scope, a));
    return { metric: slo.metric, expression: slo.expression, value: value ?? null, ok, notEvaluated: null };
  });
}

function figures(facts: StepFacts, step: CapacityStep): Pick<CapacityStepReport, 'packetsInPerSecond' | 'packetsOutPerSecond' | 'targetCpuPercent'> {
  const { fromSecond, toSecond } = windowOf(step.holdFromMs, step.endMs);
  const seconds = Math.max(1, toSecond - fromSecond + 1);
  const targetCpuPercent: Record<string, number> = {};
  for (const node of facts.machine?.target ?? []) {
    const points = node.points.filter((p) => p.t >= fromSecond && p.t <= toSecond);
    if (points.length > 0) targetCpuPercent[node.nodeId] = points.reduce((sum, p) => sum + p.cpuPercent, 0) / points.length;
  }
  return {
    packetsInPerSecond: facts.store.counter('packets_sent', undefined, fromSecond, toSecond) / seconds,
    packetsOutPerSecond: facts.store.counter('packets_received', undefined, fromSecond, toSecond) / seconds,
    targetCpuPercent,
  };
}

/** The loader's or machine's limit makes a step the loader's; a backlog of joins that failed is the target refusing them. */
function limitOf(facts: StepFacts, step: CapacityStep, slo: ThresholdResult[]): Pick<CapacityStepReport, 'outcome' | 'reason'> {
  if (facts.runMs < step.endMs) return { outcome: 'incomplete', reason: `the run ended at ${(facts.runMs / 1000).toFixed(1)} s, before the step did` };
  const window = windowOf(step.startMs, step.endMs);
  const reasons = validityReasons({ store: facts.store, limits: facts.scenario.harness, machine: facts.machine, plan: facts.plan, fleet: facts.scenario.fleet, skipped: [], durationMs: step.endMs, complete: false, ...window });
  const loaderSide = [...reasons.loader, ...reasons.machine];
  if (loaderSide.length > 0) return { outcome: 'loader-limit', reason: loaderSide.join('; ') };
  const failed = facts.store.counter('bots_failed', undefined, window.fromSecond, window.toSecond);
  if (reasons.plan.length > 0 && failed === 0) return { outcome: 'loader-limit', reason: reasons.plan.join('; ') };
  if (reasons.plan.length > 0) return { outcome: 'target-limit', reason: `${failed} join${failed === 1 ? '' : 's'} failed: ${reasons.plan.join('; ')}` };
  return { outcome: slo.every((s) => s.ok) ? 'held' : 'target-limit', reason: null };
}

export function judgeStep(facts: StepFacts, step: CapacityStep): CapacityStepReport {
  const slo = sloResults(facts, step);
  const { index, rooms, bots, publishers, streams, startMs, holdFromMs, endMs } = step;
  return { index, probe: false, rooms, bots, publishers, subscribers: bots, streams, startMs, holdFromMs, endMs, ...limitOf(facts, step, slo), slo, ...figures(facts, step) };
}
