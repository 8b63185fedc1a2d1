/**
 * Which engines a scenario needs. Each engine serves the fleet groups of its `engine:` name; one
 * more engine is one more entry here.
 */
import { availableParallelism } from 'node:os';
import { BrowserEngine } from '../../bots/browser/browser-engine.js';
import { Fleet } from '../../bots/fleet/fleet.js';
import { prepareK6 } from '../../bots/k6/k6-engine.js';
import { layOutFleet } from '../../chaos/network/fleet-layout.js';
import type { RunPlan } from '../plan/plan.js';
import type { Scenario } from '../scenario/index.js';
import type { Engine, SkippedGroup } from '../../ports/engine.js';

export interface EngineOptions {
  /** werift fleet processes; default one per core, never more than bots. */
  processes?: number;
  /** The run's output folder: engines keep their own files under it (k6: its script, output and log). */
  outDir: string;
}

export interface ScenarioEngines { engines: Engine[]; skipped: SkippedGroup[] }

const joinTimeoutMs = 15_000;

/** Throws, before anything was started, when a group marked required cannot run here (k6 not installed). */
export function createEngines(scenario: Scenario, plan: RunPlan, options: EngineOptions): ScenarioEngines {
  const engines: Engine[] = [];
  const weriftBots = plan.bots.filter((bot) => bot.engine === 'werift').length;
  if (weriftBots > 0) {
    const processes = Math.max(1, Math.min(options.processes ?? availableParallelism(), weriftBots));
    engines.push(new Fleet({ processes, joinTimeoutMs, layOut: layOutFleet }));
  }
  // After werift: teardown runs in reverse, so browsers leave their rooms before the bots stop.
  if (plan.bots.some((bot) => bot.engine === 'browser')) engines.push(new BrowserEngine({ joinTimeoutMs }));
  const k6 = prepareK6(scenario, options.outDir);
  return { engines: [...engines, ...k6.engines], skipped: k6.skipped };
}
