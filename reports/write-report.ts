import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from './report-types.js';
import { summaryMarkdown } from './summary-md.js';

/** Writes every file of a run's output folder; report.json first, so it survives a failing writer. */
export function writeReport(outDir: string, report: Report): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, text: string): void => {
    writeFileSync(join(outDir, name), text);
    written.push(join(outDir, name));
  };
  write('report.json', `${JSON.stringify(report, null, 2)}\n`);
  write('summary.md', summaryMarkdown(report));
  return written;
}
