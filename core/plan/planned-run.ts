/**
 * The plan of one run, made once: the whole seeded plan (every shard's bots, what the network
 * assignment and WHIP rosters need), this process's slice of it, and the network assignment.
 * The run, its pre-check and its report all read this one value.
 */
import { planNetwork, type NetworkPlan } from './network-plan.js';
import { makePlan, shardPlan, type RunPlan, type ShardSpec } from './plan.js';
import type { Scenario } from '../scenario/index.js';

export interface PlannedRun {
  /** Every bot of the scenario, whichever shard seats it. */
  whole: RunPlan;
  /** The bots this run seats: `whole`, or a shard's slice of it. */
  mine: RunPlan;
  /** Which werift bots the network layer touches; null when the scenario leaves the network alone. */
  network: NetworkPlan | null;
  shard: ShardSpec | null;
}

export function planRun(scenario: Scenario, shard?: ShardSpec): PlannedRun {
  const whole = makePlan(scenario);
  return { whole, mine: shard ? shardPlan(whole, shard) : whole, network: planNetwork(scenario, whole), shard: shard ?? null };
}
