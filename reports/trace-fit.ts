/**
 * How closely what a group measured followed a network trace it was given: per second, the
 * configured loss and delay (groups.<name>.network.traces) against the group's timeline. Pure; the
 * HTML's trace section and summary.md read the same numbers.
 */
import type { GroupNetwork, GroupReport } from './report-types.js';

export type GroupTrace = NonNullable<GroupNetwork['traces']>[number];
export type TraceSecond = GroupTrace['series'][number];
export type GroupTimelinePoint = NonNullable<GroupReport['timeline']>[number];

/** Where the unimpaired latency that the configured delay is added to comes from. */
export type BaselineSource = 'undelayed-seconds' | 'unimpaired-groups';

export interface TraceFit {
  profile: string;
  direction: GroupTrace['direction'];
  /** The impair step's index in `chaos`; null for `network.assign`. */
  step: number | null;
  bots: number;
  /** Seconds in which the trace configured any impairment. */
  secondsImpaired: number;
  /** Mean over those seconds with packets expected of |configured − measured| loss, in percentage points; null without such seconds. */
  lossMaePoints: number | null;
  /** Mean over those seconds with latency samples of |configured delay + baseline − measured p50|, in ms; null without such seconds or baseline. */
  latencyMaeMs: number | null;
  /** The group's latency without the trace's delay: the median p50 of the seconds it configured no delay, else that of the groups with nothing assigned. */
  baselineMs: number | null;
  baselineFrom: BaselineSource | null;
}

export function isImpaired(s: TraceSecond): boolean {
  return s.lossRatio > 0 || s.delayMs > 0 || s.jitterMs > 0 || s.rateKbps !== null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * The baseline is the median measured p50 of the seconds the trace configured no delay (the same
 * bots and path, unimpaired); `unimpairedGroupsP50Ms`, the median latency of groups with nothing
 * assigned, when there are none (a trace that delays from start to end).
 */
export function traceFit(trace: GroupTrace, timeline: readonly GroupTimelinePoint[], unimpairedGroupsP50Ms: number | null = null): TraceFit {
  const measured = new Map(timeline.map((p) => [p.t, p]));
  const undelayed = trace.series.flatMap((s) => {
    const p50 = measured.get(s.t)?.latencyP50Ms;
    return s.delayMs === 0 && p50 !== null && p50 !== undefined ? [p50] : [];
  });
  const fromSeconds = median(undelayed);
  const baselineMs = fromSeconds ?? unimpairedGroupsP50Ms;
  const baselineFrom: BaselineSource | null = fromSeconds !== null ? 'undelayed-seconds' : unimpairedGroupsP50Ms !== null ? 'unimpaired-groups' : null;
  const impaired = trace.series.filter(isImpaired);
  const lossErrors: number[] = [];
  const latencyErrors: number[] = [];
  for (const s of impaired) {
    const p = measured.get(s.t);
    if (p?.lossRatio !== null && p?.lossRatio !== undefined) lossErrors.push(Math.abs(s.lossRatio - p.lossRatio) * 100);
    if (baselineMs !== null && p?.latencyP50Ms !== null && p?.latencyP50Ms !== undefined) latencyErrors.push(Math.abs(s.delayMs + baselineMs - p.latencyP50Ms));
  }
  return {
    profile: trace.profile,
    direction: trace.direction,
    step: trace.step ?? null,
    bots: trace.bots,
    secondsImpaired: impaired.length,
    lossMaePoints: mean(lossErrors),
    latencyMaeMs: mean(latencyErrors),
    baselineMs,
    baselineFrom,
  };
}

/** The median latency of the run's groups with nothing assigned, as the group's network section gives it (its p50 minus what was added). */
export function unimpairedGroupsP50Ms(group: GroupReport): number | null {
  const p50 = group.metrics.e2e_latency_ms?.p50;
  const added = group.network?.measured.latencyAddedP50Ms;
  return p50 === undefined || added === null || added === undefined ? null : p50 - added;
}

/** Every trace of a group, fitted against its timeline; empty for a group without traces. */
export function groupTraceFits(group: GroupReport): TraceFit[] {
  const traces = group.network?.traces ?? [];
  return traces.map((trace) => traceFit(trace, group.timeline ?? [], unimpairedGroupsP50Ms(group)));
}

/** Groups with traces, in the report's order. */
export function tracedGroups(groups: Readonly<Record<string, GroupReport>>): Array<[string, GroupReport]> {
  return Object.entries(groups).filter(([, g]) => (g.network?.traces?.length ?? 0) > 0);
}

/** "down, 4 bots" or "up, 2 bots, chaos step 3": where a trace applied. */
export function traceDetails(fit: Pick<TraceFit, 'direction' | 'step' | 'bots'>): string {
  return `${fit.direction}, ${fit.bots} bot${fit.bots === 1 ? '' : 's'}${fit.step === null ? '' : `, chaos step ${fit.step}`}`;
}

/** "lte (down, 4 bots)": how writers name one trace. */
export function traceLabel(fit: Pick<TraceFit, 'profile' | 'direction' | 'step' | 'bots'>): string {
  return `${fit.profile} (${traceDetails(fit)})`;
}

/** One sentence of the fit's numbers, for a caption or a summary line. */
export function fitText(fit: TraceFit): string {
  // rtcstorm measures where media is received: a group's own uplink shows in what its room-mates receive, mixed with their other senders.
  if (fit.direction === 'up') return `not fitted: an uplink trace shows in what the group's room-mates receive, over ${fit.secondsImpaired} impaired second${fit.secondsImpaired === 1 ? '' : 's'}`;
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  const loss = fit.lossMaePoints === null ? 'loss not measured' : `loss off by ${fit.lossMaePoints.toFixed(2)} points`;
  const latency = fit.latencyMaeMs === null ? (fit.baselineMs === null ? 'latency not compared (no unimpaired baseline)' : 'latency not measured') : `latency off by ${ms(fit.latencyMaeMs)}`;
  const baseline = fit.baselineMs === null ? '' : `; baseline ${ms(fit.baselineMs)}, ${fit.baselineFrom === 'undelayed-seconds' ? 'the median p50 of the seconds it configured no delay' : 'the median latency of the groups with nothing assigned'}`;
  return `${loss}, ${latency} (mean absolute error per second over ${fit.secondsImpaired} impaired second${fit.secondsImpaired === 1 ? '' : 's'}${baseline})`;
}
