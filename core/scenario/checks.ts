import { formatDuration } from './duration.js';
import type { PathProblem } from './problems.js';
import { capacityProblems, effectiveDurationMs } from './capacity-checks.js';
import { chaosProblems } from './chaos-checks.js';
import { networkProblems } from './network-checks.js';
import { fleetGroup, positiveDuration, rooms, scenarioSchema } from './schema.js';
import { engineProblems, seatsOf } from './engine-kinds.js';
import type { FleetGroup } from './types.js';

interface IndexedGroup {
  index: number;
  group: FleetGroup;
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
    ...(capacity.success ? fleetTooBig(groups, capacity.data) : []),
    ...groups.flatMap(({ index, group }) => engineProblems(group, index, { durationMs: duration.success ? duration.data : undefined, target: target.success ? target.data : undefined })),
    ...chaosProblems(sections['chaos'], duration.success ? duration.data : undefined, target.success ? target.data : undefined, { groups: groups.map((g) => g.group), roomCount: capacity.success ? capacity.data.count : undefined }),
    ...networkProblems(sections['network'], sections['chaos'], groups.map((g) => g.group), capacity.success ? capacity.data.count : undefined, target.success ? target.data : undefined),
  ];
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

function rampUpsTooLong(groups: readonly IndexedGroup[], durationMs: number): PathProblem[] {
  return groups.flatMap(({ index, group }): PathProblem[] => {
    const rampUpMs = seatsOf(group)?.rampUpMs ?? 0;
    if (rampUpMs < durationMs) return [];
    return [{ path: ['fleet', index, 'rampUp'], message: `must be shorter than the scenario duration ${formatDuration(durationMs)} (got ${formatDuration(rampUpMs)})`, at: 'value' }];
  });
}

function fleetTooBig(groups: readonly IndexedGroup[], capacity: { count: number; size: number }): PathProblem[] {
  const bots = groups.reduce((sum, { group }) => sum + (seatsOf(group)?.count ?? 0), 0);
  const seats = capacity.count * capacity.size;
  if (bots <= seats) return [];
  const message =
    `fleet has ${bots} bots but rooms hold at most ${seats} ` +
    `(rooms.count ${capacity.count} × rooms.size ${capacity.size}); lower the fleet counts or add rooms`;
  return [{ path: ['fleet'], message, at: 'key' }];
}
