/**
 * Reads the trace files a scenario's profiles name, relative to the scenario's folder, and fills in
 * their rows. A replay passes the files a report carries instead, so nothing is read from disk.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ScenarioProblem } from './errors.js';
import { isTraced, type NetworkSpec } from './network-types.js';
import { traceReadOptions } from './network-schema.js';
import type { PathProblem } from './problems.js';
import { parseTraceFile } from './trace-file.js';

export interface ResolvedTraces {
  network: NetworkSpec | null;
  /** Every trace file's text, by the path as the scenario writes it. */
  files: Record<string, string>;
  /** Problems at the `trace:` key of the scenario (a file that cannot be read). */
  pathProblems: PathProblem[];
  /** Problems inside trace files, with their own file, line and column. */
  fileProblems: ScenarioProblem[];
}

function rawProfile(rawNetwork: unknown, name: string): unknown {
  const profiles: unknown = typeof rawNetwork === 'object' && rawNetwork !== null ? Reflect.get(rawNetwork, 'profiles') : undefined;
  return typeof profiles === 'object' && profiles !== null ? Reflect.get(profiles, name) : undefined;
}

function readText(path: string): string | Error {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return new Error(code === 'ENOENT' ? `trace file not found: ${path}` : `cannot read trace file ${path}: ${message}`);
  }
}

/** `given`: files to use instead of reading (a replay's); `scenarioFile`: where relative paths start. */
export function resolveTraces(network: NetworkSpec | null, rawNetwork: unknown, scenarioFile: string, given?: Readonly<Record<string, string>>): ResolvedTraces {
  const files: Record<string, string> = {};
  const pathProblems: PathProblem[] = [];
  const fileProblems: ScenarioProblem[] = [];
  if (!network) return { network, files, pathProblems, fileProblems };
  const profiles = { ...network.profiles };
  for (const [name, profile] of Object.entries(network.profiles)) {
    if (!isTraced(profile)) continue;
    const written = profile.trace.file;
    const path = join(dirname(scenarioFile), written);
    const text = given?.[written] ?? readText(path);
    if (text instanceof Error) {
      pathProblems.push({ path: ['network', 'profiles', name, 'trace'], message: text.message, at: 'value' });
      continue;
    }
    files[written] = text;
    const parsed = parseTraceFile(text, path, traceReadOptions(rawProfile(rawNetwork, name), profile.trace.lengthMs));
    if (!parsed.ok) {
      fileProblems.push(...parsed.problems.map((p) => ({ file: path, path: '', message: p.message, line: p.line, column: p.column })));
      continue;
    }
    profiles[name] = { trace: { ...profile.trace, format: parsed.format, intervals: parsed.intervals, lengthMs: parsed.lengthMs } };
  }
  return { network: { ...network, profiles }, files, pathProblems, fileProblems };
}
