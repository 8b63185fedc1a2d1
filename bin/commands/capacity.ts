/** `rtcstorm capacity SCENARIO`: the scenario run as a capacity search (docs/capacity.md). */
import { readFileSync } from 'node:fs';
import { capacitySource, type CapacityOverrides } from '../../core/scenario/capacity-source.js';
import { loadScenario, parseScenario, ScenarioError, type Scenario, type ScenarioOverrides } from '../../core/scenario/index.js';
import { runCommand, type RunCommandOptions } from './run.js';

export type CapacityCommandOptions = RunCommandOptions & CapacityOverrides;

export function capacityCommand(file: string, opts: CapacityCommandOptions): Promise<number> {
  const { start, grow, max, min, ramp, hold, refine, ...run } = opts;
  const overrides: CapacityOverrides = { start, grow, max, min, ramp, hold, refine };
  return runCommand(file, run, (path: string, scenarioOverrides: ScenarioOverrides): Scenario => {
    // The file's own problems first, with its own line numbers; then the search made of it.
    const scenario = loadScenario(path, scenarioOverrides);
    if (scenario.capacity && Object.values(overrides).every((v) => v === undefined)) return scenario;
    try {
      return parseScenario(capacitySource(readFileSync(path, 'utf8'), overrides), path, scenarioOverrides);
    } catch (error) {
      // Lines of the search made from the file are not the file's: name the option instead.
      if (!(error instanceof ScenarioError)) throw error;
      throw new ScenarioError(path, error.problems.map(({ path: at, message }) => ({ path: `${at} (from the command line and the scenario)`, message })));
    }
  });
}
