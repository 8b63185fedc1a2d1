/**
 * `rtcstorm capacity`: a scenario's YAML turned into a capacity search. A scenario without a
 * `capacity:` block gets one: its rooms as the first step and the step size, its thresholds as the
 * SLOs, ten times its rooms as max. Options given on the command line replace the block's keys.
 * The result is YAML (comments kept), so the report carries a scenario that replays as it ran.
 */
import { isMap, parseDocument } from 'yaml';
import type { CapacityAmount } from './capacity-schema.js';

export interface CapacityOverrides {
  start?: CapacityAmount;
  grow?: CapacityAmount;
  max?: CapacityAmount;
  min?: CapacityAmount;
  /** Durations as in YAML ("20s"). */
  ramp?: string;
  hold?: string;
  refine?: boolean;
}

/** "10" is 10 rooms, "300bots" (or "300 bots") 300 bots; throws RangeError on anything else. */
export function parseCapacityAmount(text: string): CapacityAmount {
  const match = /^\s*(\d+)\s*(rooms?|bots?)?\s*$/.exec(text);
  const n = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(n) || n < 1) throw new RangeError(`expected a number of rooms (10) or of bots (300bots), at least 1 (got "${text}")`);
  return match[2]?.startsWith('bot') ? { bots: n } : { rooms: n };
}

export function capacitySource(yamlText: string, overrides: CapacityOverrides): string {
  const doc = parseDocument(yamlText);
  if (!isMap(doc.contents)) return yamlText;
  if (!doc.has('capacity')) {
    const rooms = Number(doc.getIn(['rooms', 'count']));
    const count = Number.isSafeInteger(rooms) && rooms > 0 ? rooms : 1;
    const slo: unknown = doc.get('thresholds');
    doc.set('capacity', doc.createNode({ start: { rooms: count }, grow: { rooms: count }, max: { rooms: count * 10 }, slo: slo ?? {} }));
    doc.delete('thresholds');
    doc.delete('duration');
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) doc.setIn(['capacity', key], doc.createNode(value));
  return doc.toString();
}
