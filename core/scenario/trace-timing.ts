/** Which row of a network trace is in effect at a moment of the run: pure, shared by the relay and the report. */
import type { ImpairmentProfile, NetworkTrace } from './network-types.js';

/** The row in effect at `runMs`, with the run time its validity ends (Infinity when it holds for good). */
export interface TracePosition { index: number; profile: ImpairmentProfile | null; fromMs: number; untilMs: number }

const beforeStart = -1;

/** `index` -1: before the trace's start (not impaired). */
export function traceAt(trace: NetworkTrace, runMs: number): TracePosition {
  const { intervals, lengthMs, loop, startAtMs } = trace;
  if (runMs < startAtMs || intervals.length === 0) return { index: beforeStart, profile: null, fromMs: Number.NEGATIVE_INFINITY, untilMs: intervals.length === 0 ? Number.POSITIVE_INFINITY : startAtMs };
  const sinceStart = runMs - startAtMs;
  const pass = loop && lengthMs > 0 ? Math.floor(sinceStart / lengthMs) : 0;
  const passStartMs = startAtMs + pass * lengthMs;
  const inPass = runMs - passStartMs;
  // Rows are few (a trace of an hour at 1 s is 3,600): a binary search per lookup, and callers cache until `untilMs`.
  let low = 0;
  let high = intervals.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (intervals[mid]!.atMs <= inPass) low = mid;
    else high = mid - 1;
  }
  const row = intervals[low]!;
  const next = intervals[low + 1];
  const untilMs = next ? passStartMs + next.atMs : loop && lengthMs > 0 ? passStartMs + lengthMs : Number.POSITIVE_INFINITY;
  return { index: low, profile: row.profile, fromMs: passStartMs + row.atMs, untilMs };
}
