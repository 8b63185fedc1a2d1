import { exitCodes } from '../../reports/exit-codes.js';
import { ScenarioError } from '../../core/scenario/index.js';
import { mergeShards, MergeError } from '../../reports/merge/merge-shards.js';
import { readReport } from '../../reports/read-report.js';
import { summaryMarkdown } from '../../reports/summary-md.js';
import { verdictOf } from '../../reports/verdict.js';
import { writeReport } from '../../reports/write-report.js';
import { readReportOrExplain } from './report.js';

/** `rtcstorm merge <shard>... --out DIR`: one report and one verdict for a distributed run. */
export function mergeCommand(paths: string[], opts: { out: string; allowPartial?: boolean }): number {
  const inputs = readReportOrExplain(() => paths.map((path) => ({ path, report: readReport(path) })));
  if (!inputs) return exitCodes.badInput;
  let merged;
  try {
    merged = mergeShards(inputs, { allowPartial: opts.allowPartial === true });
  } catch (error) {
    if (!(error instanceof MergeError || error instanceof ScenarioError)) throw error;
    process.stderr.write(`rtcstorm merge: ${error.message}\n`);
    return exitCodes.badInput;
  }
  for (const warning of merged.warnings) process.stderr.write(`rtcstorm merge: warning: ${warning}\n`);
  const files = writeReport(opts.out, merged.report);
  process.stdout.write(`${summaryMarkdown(merged.report)}\n`);
  process.stderr.write(`report: ${files.join(', ')}\n`);
  return verdictOf(merged.report).exitCode;
}
