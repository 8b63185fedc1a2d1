/** Rules between `network:`, the impair steps of `chaos:`, the fleet and the rooms. */
import { validSteps } from './chaos-checks.js';
import { networkSchema } from './network-schema.js';
import type { BotSelector, NetworkSpec } from './network-types.js';
import type { PathSegment } from './source.js';
import type { PathProblem } from './problems.js';
import type { FleetGroup } from './types.js';

/** Everything that names a profile and picks bots: assign entries and impair steps. */
interface ProfileUse { path: PathSegment[]; profile: string; bots: BotSelector }

function uses(network: NetworkSpec | null, chaos: unknown): ProfileUse[] {
  const assigned = (network?.assign ?? []).map((entry, index): ProfileUse => ({ path: ['network', 'assign', index], profile: entry.profile, bots: entry.bots }));
  const impairs = validSteps(chaos).flatMap(({ index, step }): ProfileUse[] => (step.action === 'impair' ? [{ path: ['chaos', index], profile: step.profile, bots: step.bots }] : []));
  return [...assigned, ...impairs];
}

function unknownProfiles(all: ProfileUse[], network: NetworkSpec | null): PathProblem[] {
  const defined = Object.keys(network?.profiles ?? {});
  const known = defined.length === 0 ? 'no profiles are defined (network.profiles)' : `defined profiles: ${defined.join(', ')}`;
  return all
    .filter((use) => !defined.includes(use.profile))
    .map((use) => ({ path: [...use.path, 'profile'], message: `unknown profile "${use.profile}"; ${known}`, at: 'value' }));
}

function selectorProblems(use: ProfileUse, groups: readonly FleetGroup[], roomCount: number | undefined, backend: NetworkSpec['backend']): PathProblem[] {
  const { bots } = use;
  if (backend === 'kernel' && bots.kind !== 'group') {
    const message = 'backend kernel impairs whole fleet groups (each runs in its own network namespace): pick bots with group: <name>, or use backend: userspace';
    return [{ path: [...use.path, bots.kind === 'share' ? 'bots' : 'rooms'], message, at: 'key' }];
  }
  if (bots.kind === 'group') {
    const group = groups.find((g) => g.name === bots.name);
    const werift = groups.filter((g) => g.engine === 'werift').map((g) => g.name);
    if (group?.engine === 'werift') return [];
    const message = group
      ? `"${bots.name}" is a ${group.engine} group; only werift bots can be impaired (werift groups: ${werift.join(', ') || 'none'})`
      : `no fleet group "${bots.name}"; werift groups: ${werift.join(', ') || 'none'}`;
    return [{ path: [...use.path, 'group'], message, at: 'value' }];
  }
  if (bots.kind === 'rooms' && roomCount !== undefined) {
    const missing = bots.rooms.filter((room) => room >= roomCount);
    if (missing.length > 0) return [{ path: [...use.path, 'rooms'], message: `no room ${missing.join(', ')}: rooms are 0 … ${roomCount - 1} (rooms.count ${roomCount})`, at: 'value' }];
  }
  return [];
}

/** Network impairment acts on werift bots' media: a fleet without any has nothing to impair. */
function noWeriftBots(network: unknown, chaos: unknown, groups: readonly FleetGroup[]): PathProblem[] {
  if (groups.length === 0 || groups.some((g) => g.engine === 'werift')) return [];
  const steps = validSteps(chaos).filter(({ step }) => step.action === 'impair' || step.action === 'partition');
  const message = 'network impairment applies to werift bots, and the fleet has no werift group';
  return [
    ...(network === undefined || network === null ? [] : [{ path: ['network'], message, at: 'key' as const }]),
    ...steps.map(({ index }) => ({ path: ['chaos', index, 'action'], message, at: 'value' as const })),
  ];
}

export function networkProblems(rawNetwork: unknown, chaos: unknown, groups: readonly FleetGroup[], roomCount: number | undefined): PathProblem[] {
  const parsed = networkSchema.safeParse(rawNetwork);
  const network = parsed.success ? parsed.data : null;
  const all = uses(network, chaos);
  return [
    ...noWeriftBots(rawNetwork, chaos, groups),
    ...(parsed.success ? unknownProfiles(all, network) : []),
    ...all.flatMap((use) => selectorProblems(use, groups, roomCount, network?.backend ?? 'userspace')),
  ];
}
