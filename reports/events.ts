/** How writers read report.events: chaos steps one by one, everything else (bot failures, …) counted per second. */
import type { Report } from './report-types.js';

export type ReportEvent = Report['events'][number];

export function isChaos(e: ReportEvent): boolean {
  return e.kind === 'chaos';
}

/** "kill sfu-1", or the kind when the event names no action. */
export function eventLabel(e: ReportEvent): string {
  return [e.action ?? e.kind, e.target].filter(Boolean).join(' ');
}

/** What a chart draws for events: one mark per chaos step, one per (kind, second) for the rest, so 1,000 bot failures stay a few dozen marks. */
export interface EventMark {
  /** Seconds since the run's start. */
  atS: number;
  /** End of a chaos step that lasted, else null (a vertical line). */
  untilS: number | null;
  label: string;
  chaos: boolean;
  /** Events behind the mark: 1 for a chaos step, the per-second count for the rest. */
  count: number;
  /** false for a failed chaos step or a failure event. */
  ok: boolean;
}

/** Events that say how the run was made (which media plane carried the bots' RTP), not something that happened in it: listed, not marked on the charts. */
const runFacts = new Set(['media-plane']);

/** What the run's `media-plane` event says ("werift bots on the native media plane"), for a report's header; undefined when the run had no werift bots. */
export function mediaPlaneFact(events: readonly ReportEvent[]): string | undefined {
  return events.find((e) => e.kind === 'media-plane')?.detail;
}

export function eventMarks(events: readonly ReportEvent[]): EventMark[] {
  const marks: EventMark[] = [];
  const counted = new Map<string, { atS: number; kind: string; n: number; ok: boolean }>();
  for (const e of events) {
    if (runFacts.has(e.kind)) continue;
    if (isChaos(e)) {
      const label = `${eventLabel(e)}${e.ok === false ? ' (failed)' : ''}`;
      // A step that lasts (a pause, an impairment) is a band; an instant one (a kill) a line.
      marks.push({ atS: e.atMs / 1000, untilS: e.durationMs === undefined ? null : (e.atMs + e.durationMs) / 1000, label, chaos: true, count: 1, ok: e.ok !== false });
      continue;
    }
    const atS = Math.floor(e.atMs / 1000);
    const key = `${e.kind}@${atS}`;
    const entry = counted.get(key) ?? { atS, kind: e.kind, n: 0, ok: !e.kind.endsWith('failed') && e.ok !== false };
    entry.n++;
    counted.set(key, entry);
  }
  for (const c of counted.values()) marks.push({ atS: c.atS, untilS: null, label: c.n > 1 ? `${c.n}× ${c.kind}` : c.kind, chaos: false, count: c.n, ok: c.ok });
  return marks.sort((a, b) => a.atS - b.atS);
}
