/** The capacity pre-check of `rtcstorm run`: the plan's estimate against this machine, as a verdict and a message. */
import { availableParallelism } from 'node:os';
import { describeEstimate, estimateCapacity, type CapacityEstimate, type CapacityFigures, type MachineFacts } from '../plan/capacity.js';
import type { RunPlan } from '../plan/plan.js';
import { capacitySteps } from '../plan/capacity-plan.js';
import type { Scenario } from '../scenario/index.js';
import { AdapterModuleError, loadAdapterModule, userAdapterPath } from '../../targets/adapter-module.js';
import { findJanus, janusInstallHint } from '../../targets/janus/launched-janus.js';
import { findSimpleWhipServer, whipInstallHint } from '../../targets/whip/launched-whip.js';
import { resolveProgram } from '../../targets/command/launched-command.js';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { capacityFigures, machineFacts } from './capacity-figures.js';

export interface Preflight { estimate: CapacityEstimate; message: string | null }

/** What the scenario's target needs on this machine before anything starts; null when it is all there. */
export async function targetPreflight(scenario: Scenario): Promise<string | null> {
  const { target } = scenario;
  if (target.kind === 'janus' && target.url === null && !findJanus()) return `target.janus: Janus is not installed: ${janusInstallHint}`;
  if (target.kind === 'whip' && target.launch && !findJanus()) return `target.whip: launch needs Janus, which is not installed: ${janusInstallHint}`;
  if (target.kind === 'whip' && target.launch && !findSimpleWhipServer()) return `target.whip: launch needs simple-whip-server: ${whipInstallHint}`;
  if (target.kind === 'launch') {
    const folder = scenario.file ? dirname(resolve(scenario.file)) : process.cwd();
    const program = target.command[0]!;
    const path = resolveProgram(program, folder);
    if (!path || !existsSync(path)) return `target.launch.command: "${program}" not found (${program.includes('/') ? `no file ${path ?? program}, relative to the scenario's folder ${folder}` : 'not on the PATH'})`;
  }
  if (target.adapter) {
    try {
      await loadAdapterModule(userAdapterPath(target.adapter.module, scenario.file));
    } catch (error) {
      if (error instanceof AdapterModuleError) return `target.adapter: ${error.message}`;
      throw error;
    }
  }
  return null;
}

/** This machine, as the estimate reads it: read once per pre-check. */
interface Here { machine: MachineFacts; figures: CapacityFigures; processes: number }

function planPreflight(scenario: Scenario, plan: RunPlan, here: Here): Preflight {
  const { machine } = here;
  const estimate = estimateCapacity(scenario, plan, machine, here.figures, here.processes);
  const described = describeEstimate(estimate, plan.bots.length, machine);
  const shards = estimate.machines;
  const n = shards.toLocaleString('en-US');
  if (estimate.verdict === 'beyond') {
    return {
      estimate,
      message:
        `this plan is far beyond what this machine can run: it ${described}\n` +
        `Shard it over about ${n} machines like this one (rtcstorm run --shard i/${shards} on each, then rtcstorm merge; or rtcstorm k8s render --shards ${shards}), ` +
        'lower the load, or pass --force to run it here anyway (the run will then most likely be invalid).',
    };
  }
  if (estimate.verdict === 'near') {
    return { estimate, message: `warning: this plan is near what this machine can run: it ${described}\nThe run's harness checks will tell whether the load really happened.` };
  }
  return { estimate, message: null };
}

/**
 * A capacity search is refused only when its first step is beyond this machine; a later step past
 * the estimate is where the search will most likely find the loader's limit, and it says so.
 */
function searchPreflight(scenario: Scenario, plan: RunPlan, here: Here): Preflight {
  const spec = scenario.capacity!;
  // Each step's new bots join over the search's ramp, as a group's ramp-up.
  const ramped: Scenario = { ...scenario, fleet: scenario.fleet.map((g) => (g.engine === 'k6' ? g : { ...g, rampUpMs: spec.rampMs })) };
  const [first, ...later] = capacitySteps(scenario);
  const check = (rooms: number): Preflight => planPreflight(ramped, { ...plan, bots: plan.bots.filter((b) => b.room < rooms) }, here);
  const firstCheck = check(first!.rooms);
  if (firstCheck.estimate.verdict === 'beyond') return firstCheck;
  const past = later.find((step) => check(step.rooms).estimate.verdict === 'beyond');
  if (!past) return firstCheck;
  return {
    estimate: firstCheck.estimate,
    message: `capacity search: from step ${past.index} (${past.bots} bots in ${past.rooms} rooms) on, the load is far beyond this machine's estimate; unless the target breaks first, the search will end there at the loader's limit (add --processes, or shard it with --shard)`,
  };
}

/** `plan`: the bots this machine seats (a shard's slice, when sharded). */
export function capacityPreflight(scenario: Scenario, plan: RunPlan, options: { processes?: number }): Preflight {
  const here: Here = { machine: machineFacts(), figures: capacityFigures(), processes: options.processes ?? availableParallelism() };
  return scenario.capacity ? searchPreflight(scenario, plan, here) : planPreflight(scenario, plan, here);
}
