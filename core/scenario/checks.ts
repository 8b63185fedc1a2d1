import { formatDuration } from './duration.js';
import type { PathProblem } from './problems.js';
import { fleetGroup, positiveDuration, rooms } from './schema.js';
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
  if (typeof raw !== 'object' || raw === null) return [];
  const sections = raw as Record<string, unknown>;
  const groups = validGroups(sections['fleet']);
  const duration = positiveDuration.safeParse(sections['duration']);
  const capacity = rooms.safeParse(sections['rooms']);
  return [
    ...duplicateNames(groups),
    ...(duration.success ? rampUpsTooLong(groups, duration.data) : []),
    ...(capacity.success ? fleetTooBig(groups, capacity.data) : []),
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
  return groups
    .filter(({ group }) => group.rampUpMs >= durationMs)
    .map(({ index, group }) => ({
      path: ['fleet', index, 'rampUp'],
      message: `must be shorter than the scenario duration ${formatDuration(durationMs)} (got ${formatDuration(group.rampUpMs)})`,
      at: 'value',
    }));
}

function fleetTooBig(groups: readonly IndexedGroup[], capacity: { count: number; size: number }): PathProblem[] {
  const bots = groups.reduce((sum, { group }) => sum + group.count, 0);
  const seats = capacity.count * capacity.size;
  if (bots <= seats) return [];
  const message =
    `fleet has ${bots} bots but rooms hold at most ${seats} ` +
    `(rooms.count ${capacity.count} × rooms.size ${capacity.size}); lower the fleet counts or add rooms`;
  return [{ path: ['fleet'], message, at: 'key' }];
}
