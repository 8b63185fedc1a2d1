/** Reads a report.json back (for `rtcstorm report` and `compare`), refusing files of another schema version. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { reportSchema, reportSchemaVersion } from './report-schema.js';
import type { Report } from './report-types.js';

/** A report that cannot be read: the message says which file and why, for the user. */
export class ReportReadError extends Error {
  override readonly name = 'ReportReadError';
}

/** A run folder or a report.json file → the report.json path. */
export function reportPath(dirOrFile: string): string {
  return existsSync(dirOrFile) && statSync(dirOrFile).isDirectory() ? join(dirOrFile, 'report.json') : dirOrFile;
}

/** Why `json` is not a report this version can read, or null when its version matches. */
function schemaVersionProblem(json: unknown): string | null {
  const version = typeof json === 'object' && json !== null ? (json as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (version === reportSchemaVersion) return null;
  if (typeof version !== 'number') return 'is not an rtcstorm report (no schemaVersion)';
  const tool = (json as { tool?: { version?: unknown } }).tool?.version;
  const writer = typeof tool === 'string' ? `rtcstorm ${tool}` : 'another rtcstorm';
  const hint = version < reportSchemaVersion ? `render it with the rtcstorm that wrote it, or run the scenario again` : 'upgrade rtcstorm to read it';
  return `has schemaVersion ${version} (written by ${writer}); this rtcstorm reads schemaVersion ${reportSchemaVersion} only: ${hint}`;
}

function parseReport(json: unknown, source: string): Report {
  const versionProblem = schemaVersionProblem(json);
  if (versionProblem) throw new ReportReadError(`${source} ${versionProblem}`);
  const parsed = reportSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const more = parsed.error.issues.length > issues.length ? ` (and ${parsed.error.issues.length - issues.length} more)` : '';
  throw new ReportReadError(`${source} is not a valid report: ${issues.join('; ')}${more}`);
}

/** Reads `<dir>/report.json` or the given file. */
export function readReport(dirOrFile: string): Report {
  const file = reportPath(dirOrFile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ReportReadError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ReportReadError(`${file} is not JSON: ${(error as Error).message}`);
  }
  return parseReport(json, file);
}
