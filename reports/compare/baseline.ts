/** The baseline of `compare`: one run (a run folder or a report.json), or a folder whose subfolders are runs. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readReport, ReportReadError } from '../read-report.js';
import type { Report } from '../report-types.js';

/** Run folders directly below `dir`, in name order. */
function runFolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'report.json')))
    .map((e) => join(dir, e.name))
    .sort();
}

/** A folder with its own report.json is one run, even when it has subfolders. */
export function readBaseline(path: string): Report[] {
  if (!existsSync(path)) throw new ReportReadError(`baseline ${path} does not exist`);
  if (!statSync(path).isDirectory() || existsSync(join(path, 'report.json'))) return [readReport(path)];
  const runs = runFolders(path);
  if (runs.length === 0) throw new ReportReadError(`baseline ${path} has no report.json, nor subfolders with one`);
  return runs.map(readReport);
}
