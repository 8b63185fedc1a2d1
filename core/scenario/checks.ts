import { formatDuration } from './duration.js';
import type { PathProblem } from './problems.js';
import { capacityProblems, effectiveDurationMs } from './capacity-checks.js';
import { chaosProblems } from './chaos-checks.js';
import { networkProblems } from './network-checks.js';
import { fleetGroup, positiveDuration, rooms, scenarioSchema } from './schema.js';
import type { FleetGroup, K6Group, K6Load, TargetSpec } from './types.js';

interface IndexedGroup<G extends FleetGroup = FleetGroup> {
  index: number;
  group: G;
}

/**
 * Rules spanning sections. Each section is validated on its own here so that these rules are still
 * checked, and reported, when an unrelated part of the file has problems.
 */
export function crossSectionProblems(raw: unknown): PathProblem[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const sections = raw as Record<string, unknown>;
  const groups = validGroups(sections['fleet']);
  const given = positiveDuration.safeParse(sections['duration']);
  const capacity = rooms.safeParse(sections['rooms']);
  const search = { sections, groups, rooms: capacity.success ? capacity.data : undefined, durationMs: given.success ? given.data : undefined };
  // A capacity search without a duration lasts as long as its steps.
  const durationMs = effectiveDurationMs(search);
  const duration = durationMs === undefined ? { success: false as const } : { success: true as const, data: durationMs };
  const target = scenarioSchema.shape.target.safeParse(sections['target']);
  return [
    ...duplicateNames(groups),
    ...capacityProblems(search),
    ...(duration.success ? rampUpsTooLong(groups, duration.data) : []),
    ...(duration.success ? k6GroupsTooLong(groups, duration.data) : []),
    ...(capacity.success ? fleetTooBig(groups, capacity.data) : []),
    ...(target.success ? enginesOnTarget(groups, target.data) : []),
    ...chaosProblems(sections['chaos'], duration.success ? duration.data : undefined, target.success ? target.data : undefined),
    ...networkProblems(sections['network'], sections['chaos'], groups.map((g) => g.group), capacity.success ? capacity.data.count : undefined, target.success ? target.data : undefined),
  ];
}

/** Engines whose clients speak only rtcstorm's own protocol. */
function enginesOnTarget(groups: readonly IndexedGroup[], target: TargetSpec): PathProblem[] {
  if (target.kind !== 'janus' && target.kind !== 'whip') return [];
  return groups.flatMap(({ index, group }): PathProblem[] => {
    if (group.engine === 'k6') return [{ path: ['fleet', index, 'engine'], message: `k6 groups speak rtcstorm's signalling protocol: they need target.bundled or target.url, not target.${target.kind}`, at: 'value' }];
    return [];
  });
}

function validGroups(fleet: unknown): IndexedGroup[] {
  if (!Array.isArray(fleet)) return [];
  return fleet.flatMap((raw: unknown, index) => {
    const parsed = fleetGroup.safeParse(raw);
    return parsed.success ? [{ index, group: parsed.data }] : [];
  });
}

function duplicateNames(groups: readonly IndexedGroup[]): PathProblem[] {
  const firstIndex = new Map<string, number>();
  return groups.flatMap(({ index, group }): PathProblem[] => {
    const first = firstIndex.get(group.name);
    if (first === undefined) {
      firstIndex.set(group.name, index);
      return [];
    }
    const message =
      `group name "${group.name}" is already used by fleet[${first}]; names must be unique ` +
      '(a group without a name is named after its engine)';
    return [{ path: ['fleet', index, 'name'], message, at: 'value' }];
  });
}

/** Groups whose members take seats in `rooms` (k6 sessions use rooms of their own). */
function seated(groups: readonly IndexedGroup[]): IndexedGroup<Exclude<FleetGroup, K6Group>>[] {
  return groups.filter((g): g is IndexedGroup<Exclude<FleetGroup, K6Group>> => g.group.engine !== 'k6');
}

function rampUpsTooLong(groups: readonly IndexedGroup[], durationMs: number): PathProblem[] {
  return seated(groups)
    .filter(({ group }) => group.rampUpMs >= durationMs)
    .map(({ index, group }) => ({
      path: ['fleet', index, 'rampUp'],
      message: `must be shorter than the scenario duration ${formatDuration(durationMs)} (got ${formatDuration(group.rampUpMs)})`,
      at: 'value',
    }));
}

/** How long k6 runs a load: its duration, or its stages one after another. */
function loadLengthMs(load: K6Load): number {
  return load.executor === 'constant-vus' ? load.durationMs : load.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
}

// The run stops k6 when the scenario ends: load planned past that would silently never happen.
function k6GroupsTooLong(groups: readonly IndexedGroup[], durationMs: number): PathProblem[] {
  return groups.flatMap(({ index, group }): PathProblem[] => {
    if (group.engine !== 'k6') return [];
    const endMs = group.startTimeMs + loadLengthMs(group.load);
    if (endMs <= durationMs) return [];
    const key = group.load.executor === 'constant-vus' ? 'duration' : 'stages';
    const message =
      `k6 group ends at ${formatDuration(endMs)} (startTime ${formatDuration(group.startTimeMs)} + ${key} ${formatDuration(endMs - group.startTimeMs)}), ` +
      `after the scenario duration ${formatDuration(durationMs)}; shorten the ${key} or lengthen the scenario`;
    return [{ path: ['fleet', index, key], message, at: 'key' }];
  });
}

function fleetTooBig(groups: readonly IndexedGroup[], capacity: { count: number; size: number }): PathProblem[] {
  const bots = seated(groups).reduce((sum, { group }) => sum + group.count, 0);
  const seats = capacity.count * capacity.size;
  if (bots <= seats) return [];
  const message =
    `fleet has ${bots} bots but rooms hold at most ${seats} ` +
    `(rooms.count ${capacity.count} × rooms.size ${capacity.size}); lower the fleet counts or add rooms`;
  return [{ path: ['fleet'], message, at: 'key' }];
}
