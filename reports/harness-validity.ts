/**
 * Whether a run's numbers are the target's: the loader kept up (reports/validity/loader.ts), the
 * machine it shared with a bundled target was not saturated (machine.ts), the load happened as
 * planned (plan-progress.ts), and some load was measured at all (measured-load.ts). Any of them
 * failing makes the run invalid (exit 2): never read as the target's result, never green.
 */
import type { MetricStore } from '../core/metrics/store.js';
import type { RunPlan } from '../core/plan/plan.js';
import type { FleetGroup, HarnessLimits } from '../core/scenario/index.js';
import { loaderReasons } from './validity/loader.js';
import { machineReasons, type SharedMachine } from './validity/machine.js';
import { noLoadReasons } from './validity/measured-load.js';
import { planProgress, planReasons, type PlanProgress } from './validity/plan-progress.js';
import { secondsOf } from './validity/spells.js';

export { latestMachinePercent, machineLoad, type SharedMachine } from './validity/machine.js';

export interface HarnessValidity { valid: boolean; invalidReason: string | null }

export interface ValidityFacts {
  store: MetricStore;
  limits: HarnessLimits;
  /** With a bundled target: the machine fleet and target shared. */
  machine: SharedMachine | null;
  plan: RunPlan;
  fleet: FleetGroup[];
  skipped: Array<{ group: string }>;
  durationMs: number;
  /**
   * Whether the run got to its end. Only a whole run is judged on whether it measured any load and
   * on a join backlog in its last second: mid-run (live metrics) or aborted, those are not final.
   */
  complete: boolean;
  /** Judge only the seconds from this one on (live metrics, which judge each second as it completes). */
  fromSecond?: number;
  /** …and up to this one, included (a capacity step's window). */
  toSecond?: number;
}

/** Why a run (or a window of it) is not the target's result, by side: the loader's own health and the machine's, and the load's delivery. */
export interface ValidityReasons { loader: string[]; plan: string[]; machine: string[]; noLoad: string[] }

export function validityReasons(facts: ValidityFacts, progress: PlanProgress = planProgress(facts.plan, facts.store, facts.durationMs, facts.limits.joinGraceMs, facts.fromSecond)): ValidityReasons {
  const { store, limits } = facts;
  const seconds = store.seconds().filter((t) => t >= (facts.fromSecond ?? 0) && t <= (facts.toSecond ?? Infinity));
  const needed = secondsOf(limits.sustainedForMs);
  const loader = loaderReasons(store, limits, seconds, needed);
  const plan = planReasons(progress, store, limits, needed, facts.complete);
  return {
    noLoad: facts.complete ? noLoadReasons(facts) : [],
    loader: loader.length > 0 ? [`loader saturated (${loader.join('; ')}): add fleet processes or machines, or lower the load`] : [],
    plan: plan.length > 0 ? [`load not delivered as planned (${plan.join('; ')})`] : [],
    machine: machineReasons(store, limits, facts.machine, seconds, needed),
  };
}

export function harnessValidity(facts: ValidityFacts, progress?: PlanProgress): HarnessValidity {
  const { noLoad, loader, plan, machine } = validityReasons(facts, progress);
  const reasons = [...noLoad, ...loader, ...plan, ...machine];
  return reasons.length === 0 ? { valid: true, invalidReason: null } : { valid: false, invalidReason: reasons.join('; ') };
}
