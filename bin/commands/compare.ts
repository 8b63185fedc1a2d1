import { dirname } from 'node:path';
import { exitCodes, type ExitCode } from '../../reports/exit-codes.js';
import { readBaseline } from '../../reports/compare/baseline.js';
import { compareReports, type CompareOptions } from '../../reports/compare/compare.js';
import { compareMarkdown } from '../../reports/compare/compare-md.js';
import { comparisonVerdict } from '../../reports/compare/compare-verdict.js';
import { writeComparison } from '../../reports/compare/write-comparison.js';
import { readReport, reportPath } from '../../reports/read-report.js';
import type { Report } from '../../reports/report-types.js';
import { readReportOrExplain } from './report.js';

/** Compares, writes compare.md and compare.html into `outDir`, prints the table; 99 on a regression. Shared with `run --baseline`. */
export function reportComparison(baselines: Report[], candidate: Report, outDir: string, options: CompareOptions): ExitCode {
  const comparison = compareReports(baselines, candidate, options);
  const outcome = writeComparison(outDir, comparison);
  process.stdout.write(`\n${compareMarkdown(comparison)}\n`);
  if (outcome.files.length > 0) process.stderr.write(`comparison: ${outcome.files.join(', ')}\n`);
  return comparisonVerdict(comparison).exitCode;
}

export function compareCommand(baseline: string, candidate: string, opts: CompareOptions & { out?: string }): number {
  const baselines = readReportOrExplain(() => readBaseline(baseline));
  const report = readReportOrExplain(() => readReport(candidate));
  if (!baselines || !report) return exitCodes.badInput;
  return reportComparison(baselines, report, opts.out ?? dirname(reportPath(candidate)), opts);
}
