import { parseScenario, ScenarioError } from '../../core/scenario/index.js';

/** What validation says about a scenario, one `LINE: PATH: MESSAGE` per problem (none: valid). */
export function scenarioProblems(yaml: string, file = 'scenario.yaml'): string[] {
  try {
    parseScenario(yaml, file);
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}
