import { exitCodes, type ExitCode } from './exit-codes.js';
import type { Report } from './report-types.js';

export interface Verdict { exitCode: ExitCode; text: string }

/** One verdict for a report: an incomplete run is not a pass, whatever its thresholds say. */
export function verdictOf(report: Report): Verdict {
  const failed = report.thresholds.filter((t) => !t.ok);
  const evaluated = report.thresholds.filter((t) => !t.notEvaluated).length;
  if (!report.complete) return { exitCode: exitCodes.aborted, text: `ABORTED: ${report.abortReason ?? 'run did not complete'}` };
  if (!report.harness.valid) return { exitCode: exitCodes.aborted, text: `INVALID: ${report.harness.invalidReason ?? 'the loader was saturated'}` };
  if (failed.length > 0) return { exitCode: exitCodes.thresholdsFailed, text: `FAILED: ${failed.length} of ${report.thresholds.length} thresholds crossed` };
  return { exitCode: exitCodes.ok, text: `PASSED: ${evaluated} thresholds met${evaluated < report.thresholds.length ? `, ${report.thresholds.length - evaluated} not evaluated` : ''}` };
}
