export interface ScenarioProblem {
  /** Dotted path into the scenario, e.g. fleet[0].audio.ptimeMs; empty for the whole file. */
  path: string;
  message: string;
  line?: number;
  column?: number;
  /** Set when the problem is in another file the scenario names (a network trace), not in the scenario itself. */
  file?: string;
}

/** Everything wrong with a scenario file, one problem per line of the message. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';

  constructor(
    readonly file: string,
    readonly problems: ScenarioProblem[],
  ) {
    super(problems.map((problem) => formatProblem(file, problem)).join('\n'));
  }
}

/** `FILE:LINE:COL: PATH: MESSAGE`, leaving out what is unknown. */
function formatProblem(file: string, problem: ScenarioProblem): string {
  const position = problem.line === undefined ? '' : `:${problem.line}${problem.column === undefined ? '' : `:${problem.column}`}`;
  const path = problem.path === '' ? '' : `${problem.path}: `;
  return `${problem.file ?? file}${position}: ${path}${problem.message}`;
}
