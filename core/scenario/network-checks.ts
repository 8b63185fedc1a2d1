/** Rules between `network:`, the impair steps of `chaos:`, the fleet and the rooms. */
import { validSteps } from './chaos-checks.js';
import { assignmentSchema, backendSchema } from './network-schema.js';
import type { BotSelector, NetworkBackend } from './network-types.js';
import type { PathSegment } from './source.js';
import type { PathProblem } from './problems.js';
import type { FleetGroup, TargetSpec } from './types.js';

/** Everything that names a profile and picks bots: assign entries and impair steps. */
interface ProfileUse { path: PathSegment[]; profile: string; bots: BotSelector }

/** A key of the raw section, when the section is a mapping: each part is checked on its own, so one bad part hides nothing else. */
function part(section: unknown, key: string): unknown {
  return typeof section === 'object' && section !== null ? Reflect.get(section, key) : undefined;
}

function uses(network: unknown, chaos: unknown): ProfileUse[] {
  const assign = part(network, 'assign');
  const assigned = (Array.isArray(assign) ? assign : []).flatMap((raw: unknown, index): ProfileUse[] => {
    const entry = assignmentSchema.safeParse(raw);
    return entry.success ? [{ path: ['network', 'assign', index], profile: entry.data.profile, bots: entry.data.bots }] : [];
  });
  const impairs = validSteps(chaos).flatMap(({ index, step }): ProfileUse[] => (step.action === 'impair' ? [{ path: ['chaos', index], profile: step.profile, bots: step.bots }] : []));
  return [...assigned, ...impairs];
}

function unknownProfiles(all: ProfileUse[], network: unknown): PathProblem[] {
  const profiles = part(network, 'profiles');
  const defined = typeof profiles === 'object' && profiles !== null ? Object.keys(profiles) : [];
  const known = defined.length === 0 ? 'no profiles are defined (network.profiles)' : `defined profiles: ${defined.join(', ')}`;
  return all
    .filter((use) => !defined.includes(use.profile))
    .map((use) => ({ path: [...use.path, 'profile'], message: `unknown profile "${use.profile}"; ${known}`, at: 'value' }));
}

function selectorProblems(use: ProfileUse, groups: readonly FleetGroup[], roomCount: number | undefined, backend: NetworkBackend): PathProblem[] {
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

/** Namespaces reach the target through the host's loopback only (namespaces.ts). */
function kernelTargetProblems(backend: NetworkBackend, target: TargetSpec | undefined): PathProblem[] {
  if (backend === 'kernel' && (target?.kind === 'janus' || target?.kind === 'whip')) {
    return [{ path: ['network', 'backend'], message: `backend kernel translates to 127.0.0.1, where a ${target.kind === 'janus' ? 'Janus' : 'WHIP/WHEP'} target does not receive media: use backend: userspace`, at: 'value' }];
  }
  if (backend !== 'kernel' || target?.kind !== 'url' || !target.allowNonLoopback) return [];
  return [{ path: ['network', 'backend'], message: 'backend kernel reaches the target through loopback only: use the bundled target or a loopback target.url, or backend: userspace', at: 'value' }];
}

/** The kernel backend sets fixed rules per group; a trace changes over time and is the relay's. */
function kernelTraceProblems(backend: NetworkBackend, network: unknown): PathProblem[] {
  const profiles = part(network, 'profiles');
  if (backend !== 'kernel' || typeof profiles !== 'object' || profiles === null) return [];
  return Object.entries(profiles)
    .filter(([, profile]) => part(profile, 'trace') !== undefined)
    .map(([name]) => ({ path: ['network', 'profiles', name, 'trace'], message: 'trace profiles are played by the userspace relay: use backend: userspace', at: 'key' as const }));
}

export function networkProblems(rawNetwork: unknown, chaos: unknown, groups: readonly FleetGroup[], roomCount: number | undefined, target: TargetSpec | undefined): PathProblem[] {
  const all = uses(rawNetwork, chaos);
  const parsedBackend = backendSchema.safeParse(part(rawNetwork, 'backend'));
  const backend = parsedBackend.success ? parsedBackend.data : 'userspace';
  return [
    ...noWeriftBots(rawNetwork, chaos, groups),
    ...kernelTargetProblems(backend, target),
    ...kernelTraceProblems(backend, rawNetwork),
    ...unknownProfiles(all, rawNetwork),
    ...all.flatMap((use) => selectorProblems(use, groups, roomCount, backend)),
  ];
}
