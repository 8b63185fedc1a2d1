import type { ScenarioProblem } from './errors.js';
import type { PathSegment, YamlSource } from './source.js';

/** A problem before it is placed in the source: `at` says whether to point at the key or its value. */
export interface PathProblem {
  path: PathSegment[];
  message: string;
  at: 'key' | 'value';
}

const plainKey = /^[A-Za-z_][\w-]*$/;

/** `fleet[0].audio.ptimeMs`; keys that are not plain identifiers are quoted: `thresholds["a.b"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (plainKey.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** Adds source positions and orders problems as they appear in the file. */
export function locateProblems(problems: readonly PathProblem[], source: YamlSource): ScenarioProblem[] {
  const located = problems.map(({ path, message, at }) => ({ path: formatPath(path), message, ...source.position(path, at) }));
  return located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
}
