/** Rules between `capacity:` and the rest of a scenario: what a search can grow, judge and fit in its duration. */
import { metricCatalogue, type MetricInfo } from '../metrics/catalogue.js';
import { formatDuration } from './duration.js';
import { botsPerRoom, capacityLengthMs, capacitySchema, resolveCapacity, stepRooms } from './capacity-schema.js';
import { seatsOf } from './engine-kinds.js';
import type { PathProblem } from './problems.js';
import type { FleetGroup } from './types.js';

export interface CapacityFacts {
  sections: Record<string, unknown>;
  groups: ReadonlyArray<{ index: number; group: FleetGroup }>;
  rooms: { count: number; size: number } | undefined;
  /** The scenario's duration when it has a valid one. */
  durationMs: number | undefined;
}

const roomsText = (n: number): string => `${n} room${n === 1 ? '' : 's'}`;

/** The run's length: its duration, or a capacity search's steps; undefined when neither is valid. */
export function effectiveDurationMs(facts: CapacityFacts): number | undefined {
  if (facts.durationMs !== undefined) return facts.durationMs;
  const spec = resolved(facts);
  return spec ? capacityLengthMs(spec) : undefined;
}

function resolved(facts: CapacityFacts) {
  const parsed = capacitySchema.safeParse(facts.sections['capacity']);
  if (!parsed.success || facts.rooms === undefined) return undefined;
  return resolveCapacity(parsed.data, botsPerRoom(facts.groups.map((g) => g.group), facts.rooms.count));
}

export function capacityProblems(facts: CapacityFacts): PathProblem[] {
  const { sections } = facts;
  if (sections['capacity'] === undefined) {
    return sections['duration'] === undefined ? [{ path: ['duration'], message: 'is required (or a capacity block, whose steps set the length of the run)', at: 'key' }] : [];
  }
  const problems: PathProblem[] = [];
  const thresholds = sections['thresholds'];
  if (typeof thresholds === 'object' && thresholds !== null && Object.keys(thresholds).length > 0) {
    problems.push({ path: ['thresholds'], message: 'a capacity search judges each step on capacity.slo, not on thresholds over the whole run: move them to capacity.slo', at: 'key' });
  }
  for (const { index, group } of facts.groups) {
    if (!seatsOf(group)) problems.push({ path: ['fleet', index, 'engine'], message: `a capacity search grows rooms of werift bots and browsers; ${group.engine} groups bring load of their own and cannot be grown with them`, at: 'value' });
  }
  const engines = new Set<string>(facts.groups.map((g) => g.group.engine));
  const slo: unknown = typeof sections['capacity'] === 'object' && sections['capacity'] !== null ? Reflect.get(sections['capacity'], 'slo') : undefined;
  const sloMetrics = typeof slo === 'object' && slo !== null ? Object.keys(slo) : [];
  if (sloMetrics.length === 0) problems.push({ path: ['capacity', 'slo'], message: 'must name at least one SLO, e.g. e2e_latency_ms: ["p(99)<150"]: a step is judged on them', at: 'key' });
  for (const metric of sloMetrics) {
    const producers = (metricCatalogue as Record<string, MetricInfo | undefined>)[metric]?.engines;
    if (producers !== undefined && !producers.some((e) => engines.has(e))) problems.push({ path: ['capacity', 'slo', metric], message: `no group of this scenario produces ${metric}: only ${producers.join(' or ')} groups do`, at: 'key' });
  }
  const spec = resolved(facts);
  if (!spec) return problems;
  if (spec.maxRooms < spec.startRooms) problems.push({ path: ['capacity', 'max'], message: `must be at least start, ${roomsText(spec.startRooms)} (got ${roomsText(spec.maxRooms)})`, at: 'value' });
  const perRoom = botsPerRoom(facts.groups.map((g) => g.group), facts.rooms?.count ?? 1);
  if (spec.min !== null) {
    const minRooms = 'rooms' in spec.min ? spec.min.rooms : Math.ceil(spec.min.bots / perRoom);
    if (minRooms > spec.maxRooms) problems.push({ path: ['capacity', 'min'], message: `is above max (${roomsText(spec.maxRooms)}): the search could never show it`, at: 'value' });
  }
  const lengthMs = capacityLengthMs(spec);
  if (facts.durationMs !== undefined && facts.durationMs < lengthMs) {
    const steps = stepRooms(spec).length;
    problems.push({
      path: ['duration'],
      message: `${formatDuration(facts.durationMs)} cannot hold the capacity search's ${steps} steps (${steps} × (ramp ${formatDuration(spec.rampMs)} + hold ${formatDuration(spec.holdMs)}) = ${formatDuration(lengthMs)}): remove duration, or make it at least ${formatDuration(lengthMs)}`,
      at: 'value',
    });
  }
  return problems;
}
