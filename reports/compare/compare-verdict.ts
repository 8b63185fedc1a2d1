import { exitCodes, type ExitCode } from '../exit-codes.js';
import { isRegression, type Comparison } from './compare.js';

/** One line for a comparison, shared by the CLI, compare.md and compare.html. */
export function comparisonVerdict(c: Comparison): { exitCode: ExitCode; text: string } {
  const tolerance = `${(c.tolerance * 100).toFixed(0)}%`;
  const regressed = c.rows.filter((r) => isRegression(r.status)).length;
  const noisy = c.rows.filter((r) => r.status === 'noise').length;
  const noise = noisy > 0 ? `; ${noisy} worse only within noise` : '';
  if (c.regressed) return { exitCode: exitCodes.regressed, text: `REGRESSED: ${regressed} of ${c.rows.length} metrics worse by more than ${tolerance} and noise, or without data${noise}` };
  return { exitCode: exitCodes.ok, text: `NO REGRESSION: ${c.rows.length} metrics within ${tolerance} or noise${noise}` };
}
