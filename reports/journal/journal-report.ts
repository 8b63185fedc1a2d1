/**
 * The partial report of a run that died without writing one: everything its journal holds, marked
 * incomplete, with the reason that the harness was killed.
 */
import { MetricStore } from '../../core/metrics/store.js';
import { planRun } from '../../core/plan/planned-run.js';
import { parseScenario, ScenarioError } from '../../core/scenario/index.js';
import { buildReport } from '../build-report.js';
import type { Report } from '../report-types.js';
import { JournalReadError, readJournal } from './run-journal.js';

export function reportFromJournal(path: string): Report {
  const journal = readJournal(path);
  const { header } = journal;
  let scenario;
  try {
    scenario = parseScenario(header.scenario.source, header.scenario.file ?? 'scenario.yaml', { seed: header.scenario.seed }, header.scenario.files);
  } catch (error) {
    if (error instanceof ScenarioError) throw new JournalReadError(`${path}: its scenario no longer reads with this rtcstorm: ${error.message}`);
    throw error;
  }
  const { mine: plan, whole: wholePlan, network } = planRun(scenario, header.shard ?? undefined);
  const store = new MetricStore(journal.start?.startMs ?? header.startedAtMs);
  for (const bucket of journal.seconds) store.mergeBucket(bucket);
  const lastSecond = journal.seconds.at(-1)?.t;
  const durationMs = lastSecond === undefined ? 0 : Math.min(scenario.durationMs, (lastSecond + 1) * 1000);
  const reached = journal.start === null ? 'before the fleet started' : `at t=${durationMs / 1000}s of ${scenario.durationMs / 1000}s`;
  return buildReport({
    scenario,
    plan,
    wholePlan,
    network,
    store,
    startedAtMs: header.startedAtMs,
    durationMs,
    complete: false,
    abortReason: `harness killed ${reached}, without writing its report: this one was rebuilt from what its journal holds (${journal.seconds.length} seconds)`,
    targetUrls: journal.start?.targetUrls ?? [],
    ...(journal.start?.targetSoftware ? { targetSoftware: journal.start.targetSoftware } : {}),
    skipped: header.skipped,
    server: journal.server,
    machineCores: header.machineCores,
    ...(header.shard ? { shard: { ...header.shard, startAtMs: store.startMs } } : {}),
  });
}
