import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exitCodes } from '../../reports/exit-codes.js';
import { readReport, reportPath, ReportReadError } from '../../reports/read-report.js';
import type { Report } from '../../reports/report-types.js';
import { reportFromJournal } from '../../reports/journal/journal-report.js';
import { journalFileName, JournalReadError } from '../../reports/journal/run-journal.js';
import { writeDerivedFiles, writeReport } from '../../reports/write-report.js';

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

/** A run folder whose run died before its report: it has a journal and no report.json. */
function journalOnly(dirOrFile: string): string | null {
  const journal = join(dirOrFile, journalFileName);
  return existsSync(journal) && !existsSync(reportPath(dirOrFile)) ? journal : null;
}

/** Builds and writes the partial report of a killed run from its journal. */
function reportJournal(dir: string, journal: string): number {
  let report: Report;
  try {
    report = reportFromJournal(journal);
  } catch (error) {
    if (!(error instanceof JournalReadError)) throw error;
    process.stderr.write(`rtcstorm: ${error.message}\n`);
    return exitCodes.badInput;
  }
  process.stderr.write(`rtcstorm: ${dir} has no report.json (the run was killed); building a partial report from ${journal}\n`);
  process.stderr.write(`wrote ${writeReport(dir, report).join(', ')}\n`);
  return exitCodes.ok;
}

/**
 * `rtcstorm report <dir|report.json>`: re-renders summary.md, junit.xml and report.html next to
 * report.json; for a run killed before it wrote one, builds the partial report from its journal.
 */
export function reportCommand(dirOrFile: string): number {
  const journal = journalOnly(dirOrFile);
  if (journal) return reportJournal(dirOrFile, journal);
  const report = readReportOrExplain<Report>(() => readReport(dirOrFile));
  if (!report) return exitCodes.badInput;
  const outcome = writeDerivedFiles(dirname(reportPath(dirOrFile)), report);
  if (outcome.files.length > 0) process.stderr.write(`wrote ${outcome.files.join(', ')}\n`);
  return outcome.failures.length > 0 ? exitCodes.badInput : exitCodes.ok;
}
