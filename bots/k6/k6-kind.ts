/** The k6 engine as the domain sees it: its group (rooms of its own), its signalling metrics and report fields, and its rules. */
import { z } from 'zod';
import { formatDuration } from '../../core/scenario/duration.js';
import type { EngineKind, GroupFacts, MetricReader } from '../../core/scenario/engine-kind.js';
import type { PathProblem } from '../../core/scenario/problems.js';
import { histogramSummarySchema } from '../../core/metrics/summary-schema.js';
import { k6Group, type K6Group, type K6Load } from './k6-group.js';
import { k6Metrics } from './k6-metrics.js';

export type { K6Behaviour, K6Group, K6Load, K6Stage } from './k6-group.js';

/** k6 checks passed / checks run; undefined when no check ran. */
export function checksRate(read: MetricReader, group?: string, fromSecond?: number, toSecond?: number): number | undefined {
  const total = read.counter('k6_checks_total', group, fromSecond, toSecond);
  if (total === 0) return undefined;
  return read.counter('k6_checks_passed', group, fromSecond, toSecond) / total;
}

const reportShape = {
  /** k6 groups: signalling request → response, and socket open → join response. */
  signalling_rtt_ms: histogramSummarySchema.nullable(),
  join_ack_ms: histogramSummarySchema.nullable(),
  /** k6 groups: checks passed / checks run; null when no check ran. */
  k6_checks_rate: z.number().min(0).max(1).nullable(),
};

/** How long k6 runs a load: its duration, or its stages one after another. */
function loadLengthMs(load: K6Load): number {
  return load.executor === 'constant-vus' ? load.durationMs : load.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
}

function problems(group: K6Group, index: number, facts: GroupFacts): PathProblem[] {
  const found: PathProblem[] = [];
  const { target, durationMs } = facts;
  if (target && (target.kind === 'janus' || target.kind === 'whip')) {
    found.push({ path: ['fleet', index, 'engine'], message: `k6 groups speak rtcstorm's signalling protocol: they need target.bundled or target.url, not target.${target.kind}`, at: 'value' });
  }
  // The run stops k6 when the scenario ends: load planned past that would silently never happen.
  const endMs = group.startTimeMs + loadLengthMs(group.load);
  if (durationMs !== undefined && endMs > durationMs) {
    const key = group.load.executor === 'constant-vus' ? 'duration' : 'stages';
    const message =
      `k6 group ends at ${formatDuration(endMs)} (startTime ${formatDuration(group.startTimeMs)} + ${key} ${formatDuration(endMs - group.startTimeMs)}), ` +
      `after the scenario duration ${formatDuration(durationMs)}; shorten the ${key} or lengthen the scenario`;
    found.push({ path: ['fleet', index, key], message, at: 'key' });
  }
  return found;
}

export const k6Kind = {
  engine: 'k6',
  group: k6Group,
  metrics: k6Metrics,
  rates: { k6_checks_rate: checksRate },
  report: {
    shape: reportShape,
    read: (read, group) => ({
      signalling_rtt_ms: read.histogram('signalling_rtt_ms', group).summary(),
      join_ack_ms: read.histogram('join_ack_ms', group).summary(),
      k6_checks_rate: checksRate(read, group) ?? null,
    }),
  },
  // k6 sessions use rooms of their own.
  seats: () => null,
  problems,
} as const satisfies EngineKind<'k6', K6Group, typeof k6Metrics, typeof reportShape>;
