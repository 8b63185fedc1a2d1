import { readFileSync } from 'node:fs';
import { botsPerRoom, capacityLengthMs, resolveCapacity } from './capacity-schema.js';
import { crossSectionProblems } from './checks.js';
import { ScenarioError, type ScenarioProblem } from './errors.js';
import { describeIssue, issueProblems } from './messages.js';
import { locateProblems } from './problems.js';
import { scenarioSchema } from './schema.js';
import { parseYaml } from './source.js';
import { resolveTraces } from './trace-load.js';
import type { Scenario } from './types.js';

export interface ScenarioOverrides {
  /** Replaces the file's seed, e.g. from the command line. */
  seed?: number;
}

/** Reads, parses and validates a scenario file; throws ScenarioError listing every problem. */
export function loadScenario(file: string, overrides: ScenarioOverrides = {}): Scenario {
  return parseScenario(readScenarioFile(file), file, overrides);
}

function readScenarioFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const reason = code === 'ENOENT' ? 'scenario file not found' : `cannot read scenario file: ${message}`;
    throw new ScenarioError(file, [{ path: '', message: reason }]);
  }
}

/**
 * Parses and validates scenario YAML; `file` is used in messages and kept in the result, and the
 * trace files it names are read relative to it, or taken from `files` (a replay's) when given.
 */
export function parseScenario(yamlText: string, file: string, overrides: ScenarioOverrides = {}, files?: Readonly<Record<string, string>>): Scenario {
  const source = parseYaml(yamlText, file);
  const parsed = scenarioSchema.safeParse(source.value, { error: describeIssue });
  const schemaProblems = parsed.success ? [] : issueProblems(parsed.error.issues);
  const rawNetwork: unknown = typeof source.value === 'object' && source.value !== null ? Reflect.get(source.value, 'network') : undefined;
  const traces = parsed.success ? resolveTraces(parsed.data.network, rawNetwork, file, files) : null;
  const located = locateProblems([...schemaProblems, ...crossSectionProblems(source.value), ...(traces?.pathProblems ?? [])], source);
  const problems = [...located, ...(traces?.fileProblems ?? []), ...overrideProblems(overrides)];
  if (!parsed.success || !traces || problems.length > 0) throw new ScenarioError(file, problems);
  const { duration, capacity: capacityInput, network: _unresolved, ...scenario } = parsed.data;
  const capacity = capacityInput === undefined ? null : resolveCapacity(capacityInput, botsPerRoom(scenario.fleet, scenario.rooms.count));
  // checks.ts made sure one of them is there, and that a duration holds the steps.
  const durationMs = duration ?? (capacity ? capacityLengthMs(capacity) : 0);
  return { ...scenario, network: traces.network, capacity, file, source: yamlText, files: traces.files, seed: overrides.seed ?? scenario.seed, durationMs };
}

function overrideProblems({ seed }: ScenarioOverrides): ScenarioProblem[] {
  if (seed === undefined || (Number.isSafeInteger(seed) && seed >= 0)) return [];
  return [{ path: 'seed', message: `seed override must be an integer ≥ 0 (got ${seed})` }];
}
