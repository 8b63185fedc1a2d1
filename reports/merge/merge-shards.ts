/**
 * Merges the shard reports of one distributed run into one report: counts summed, percentiles
 * from merged HDR histograms (never averaged), timelines aligned by second (shards share their
 * start time), thresholds evaluated on the merged data.
 */
import { MetricStore } from '../../core/metrics/store.js';
import { shardPlan, type RunPlan } from '../../core/plan/plan.js';
import { planRun } from '../../core/plan/planned-run.js';
import { parseScenario } from '../../core/scenario/index.js';
import { buildReport } from '../build-report.js';
import { capacitySection } from '../capacity/capacity-section.js';
import type { CapacityStepReport, Report } from '../report-types.js';

export class MergeError extends Error {
  override readonly name = 'MergeError';
}

export interface ShardInput { path: string; report: Report }

export interface MergeResult { report: Report; warnings: string[] }

/** Every reason these reports are not the shards of one run, one message each. */
function mismatches(inputs: ShardInput[]): string[] {
  const [first, ...rest] = inputs;
  if (!first) return ['no shard reports given'];
  const problems = inputs.filter((i) => i.report.shard === null).map((i) => `${i.path} is a whole run, not a shard (run with --shard i/N)`);
  if (problems.length > 0) return problems;
  const same = (what: string, value: (r: Report) => unknown): string[] =>
    rest.filter((i) => value(i.report) !== value(first.report)).map((i) => `${i.path}: ${what} ${String(value(i.report))} differs from ${first.path}'s ${String(value(first.report))}`);
  return [
    ...same('scenario hash', (r) => r.scenario.hash),
    ...same('seed', (r) => r.scenario.seed),
    ...same('shard count', (r) => r.shard?.count),
    ...same('start time', (r) => r.shard?.startAtMs),
  ];
}

function missingShards(inputs: ShardInput[]): { missing: number[]; duplicated: number[] } {
  const count = inputs[0]!.report.shard!.count;
  const seen = inputs.map((i) => i.report.shard!.index);
  return {
    missing: [...Array(count).keys()].filter((i) => !seen.includes(i)),
    duplicated: [...new Set(seen.filter((i, k) => seen.indexOf(i) !== k))],
  };
}

/** The bots of the shards merged: with --allow-partial, the missing shards' bots were never meant to be here. */
function presentShardsPlan(whole: RunPlan, shards: Array<{ index: number; count: number }>): RunPlan {
  const bots = shards.flatMap((shard) => shardPlan(whole, shard).bots).sort((a, b) => a.id - b.id);
  return { ...whole, bots };
}

/** A step held on the merged metrics is still the loader's limit where a shard's own machine was saturated in it. */
function withShardLimits(steps: CapacityStepReport[], shards: Report[]): CapacityStepReport[] {
  const judged = steps.map((step): CapacityStepReport => {
    const limited = shards.flatMap((r) => (r.capacity?.steps ?? []).filter((s) => s.index === step.index && !s.probe && s.outcome === 'loader-limit').map((s) => `shard ${r.shard!.index}: ${s.reason ?? 'loader limit'}`));
    return limited.length === 0 || step.outcome === 'loader-limit' ? step : { ...step, outcome: 'loader-limit', reason: limited.join('; ') };
  });
  const end = judged.findIndex((s) => s.outcome !== 'held');
  return end < 0 ? judged : judged.slice(0, end + 1);
}

export function mergeShards(inputs: ShardInput[], options: { allowPartial: boolean }): MergeResult {
  const problems = mismatches(inputs);
  if (problems.length > 0) throw new MergeError(`these reports are not shards of one run:\n  ${problems.join('\n  ')}`);
  const { missing, duplicated } = missingShards(inputs);
  if (duplicated.length > 0) throw new MergeError(`shard(s) ${duplicated.join(', ')} given more than once`);
  const first = inputs[0]!.report;
  const partial = missing.length > 0 ? `shard(s) ${missing.join(', ')} of ${first.shard!.count} missing` : null;
  if (partial && !options.allowPartial) throw new MergeError(`${partial}; pass them all, or --allow-partial to merge what is there`);

  const scenario = parseScenario(first.scenario.source, first.scenario.file ?? 'scenario.yaml', { seed: first.scenario.seed }, first.scenario.files);
  // Every shard records each chaos step; with shard 0 present, its record (the one that acted) is the step's.
  const hasShardZero = inputs.some((i) => i.report.shard!.index === 0);
  const rawOf = (report: Report): Report['raw'] =>
    !hasShardZero || report.shard!.index === 0 ? report.raw : { ...report.raw, buckets: report.raw.buckets.map((b) => ({ ...b, events: b.events.filter((e) => !e.kind.startsWith('chaos')) })) };
  const stores = inputs.map((i) => MetricStore.fromJSON(rawOf(i.report)));
  const store = stores[0]!;
  for (const other of stores.slice(1)) store.merge(other);
  const reports = inputs.map((i) => i.report);
  const incomplete = reports.filter((r) => !r.complete).map((r) => `shard ${r.shard!.index}: ${r.abortReason ?? 'incomplete'}`);
  if (partial) store.event({ atMs: 0, kind: 'merge-warning', ok: false, detail: `partial merge: ${partial}` });
  const { whole: plan, network } = planRun(scenario);
  const report = buildReport({
    scenario,
    plan,
    network,
    judgedPlan: presentShardsPlan(plan, inputs.map((i) => i.report.shard!)),
    store,
    startedAtMs: Math.min(...reports.map((r) => Date.parse(r.startedAt))),
    durationMs: Math.max(...reports.map((r) => r.durationMs)),
    complete: incomplete.length === 0,
    abortReason: incomplete.length > 0 ? incomplete.join('; ') : null,
    targetUrls: [...new Set(reports.flatMap((r) => r.target.urls))],
    skipped: [...new Map(reports.flatMap((r) => r.skipped).map((s) => [s.group, s])).values()],
    server: reports.flatMap((r) => r.server.nodes),
    machineCores: null,
  });
  // The loader check runs again on the merged store; what only a shard's own machine could tell
  // (fleet and target competing for its cores) comes from the shard's report.
  const invalidShards = reports.filter((r) => !r.harness.valid).map((r) => `shard ${r.shard!.index}: ${r.harness.invalidReason ?? 'invalid'}`);
  if (report.harness.valid && invalidShards.length > 0) report.harness = { ...report.harness, valid: false, invalidReason: invalidShards.join('; ') };
  if (report.capacity && scenario.capacity) report.capacity = capacitySection(scenario.capacity, withShardLimits(report.capacity.steps, reports));
  return { report, warnings: partial ? [`partial merge: ${partial}`] : [] };
}
