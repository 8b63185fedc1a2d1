/** Which engines a scenario needs: each plug-in's, in the plug-ins' order. */
import type { RunPlan } from '../plan/plan.js';
import type { Scenario } from '../scenario/index.js';
import type { EngineOptions, ScenarioEngines } from '../../ports/engine.js';
import { enginePlugins } from './engine-plugins.js';

export type { EngineOptions, ScenarioEngines } from '../../ports/engine.js';

/** Throws, before anything was started, when a group marked required cannot run here (k6 not installed). */
export function createEngines(scenario: Scenario, plan: RunPlan, options: EngineOptions): ScenarioEngines {
  const made = enginePlugins.map((plugin) => plugin.create(scenario, plan, options));
  return { engines: made.flatMap((m) => m.engines), skipped: made.flatMap((m) => m.skipped) };
}
