import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { junitXml } from './junit-xml.js';
import { reportHtml } from './html/report-html.js';
import type { Report } from './report-types.js';
import { summaryMarkdown } from './summary-md.js';
import { writeOutputs, type OutputWriter, type WriteOutcome } from './write-outputs.js';

/** Everything derived from report.json; `rtcstorm report` re-renders these from an old report. */
const reportWriters: readonly OutputWriter<Report>[] = [
  { file: 'summary.md', render: summaryMarkdown },
  { file: 'junit.xml', render: junitXml },
  { file: 'report.html', render: reportHtml },
];

export function writeDerivedFiles(outDir: string, report: Report): WriteOutcome {
  return writeOutputs(outDir, report, reportWriters);
}

/** Writes every file of a run's output folder; report.json first and on its own, so no other writer can lose it. */
export function writeReport(outDir: string, report: Report): string[] {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'report.json');
  // Whole or not at all: a harness killed while writing leaves no half report.json beside its journal.
  writeFileSync(`${json}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${json}.tmp`, json);
  return [json, ...writeDerivedFiles(outDir, report).files];
}
