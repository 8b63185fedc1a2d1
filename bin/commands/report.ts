import { dirname } from 'node:path';
import { exitCodes } from '../../core/run/exit-codes.js';
import { readReport, reportPath, ReportReadError } from '../../reports/read-report.js';
import type { Report } from '../../reports/report-types.js';
import { writeDerivedFiles } from '../../reports/write-report.js';

/** Reads a report for a command; a report that cannot be read is the user's input problem (exit 1). */
export function readReportOrExplain<T>(read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ReportReadError)) throw error;
    process.stderr.write(`rtcstorm: ${error.message}\n`);
    return null;
  }
}

/** `rtcstorm report <dir|report.json>`: re-renders summary.md, junit.xml and report.html next to report.json. */
export function reportCommand(dirOrFile: string): number {
  const report = readReportOrExplain<Report>(() => readReport(dirOrFile));
  if (!report) return exitCodes.badInput;
  const outcome = writeDerivedFiles(dirname(reportPath(dirOrFile)), report);
  if (outcome.files.length > 0) process.stderr.write(`wrote ${outcome.files.join(', ')}\n`);
  return outcome.failures.length > 0 ? exitCodes.badInput : exitCodes.ok;
}
