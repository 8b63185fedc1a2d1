/** Rules between the chaos timeline and the rest of the scenario: times, targets, overlaps. */
import { chaosStepSchema } from './chaos-schema.js';
import { formatDuration } from './duration.js';
import type { PathProblem } from './problems.js';
import type { BotSelector } from './network-types.js';
import { seatsOf } from './engine-kinds.js';
import type { ChaosStep, FleetGroup, TargetSpec } from './types.js';

interface IndexedStep { index: number; step: ChaosStep }

/** The steps that pass the schema, with their index in `chaos:`. */
export function validSteps(chaos: unknown): IndexedStep[] {
  if (!Array.isArray(chaos)) return [];
  return chaos.flatMap((raw: unknown, index) => {
    const parsed = chaosStepSchema.safeParse(raw);
    return parsed.success ? [{ index, step: parsed.data }] : [];
  });
}

function endOf(step: ChaosStep): number {
  return 'forMs' in step && step.forMs !== null ? step.atMs + step.forMs : step.atMs;
}

function timeProblems(steps: IndexedStep[], durationMs: number): PathProblem[] {
  return steps.flatMap(({ index, step }): PathProblem[] => {
    if (step.atMs >= durationMs) {
      return [{ path: ['chaos', index, 'at'], message: `must be before the scenario ends at ${formatDuration(durationMs)} (got ${formatDuration(step.atMs)})`, at: 'value' }];
    }
    if (endOf(step) > durationMs) {
      const what = step.action === 'pause-node' ? 'pause' : step.action;
      return [{ path: ['chaos', index, 'for'], message: `${what} ends at ${formatDuration(endOf(step))}, after the scenario ends at ${formatDuration(durationMs)}`, at: 'value' }];
    }
    return [];
  });
}

/**
 * Instances rtcstorm controls: a bundled cluster's nodes, a launched Janus's instances, the Janus
 * behind launched WHIP/WHEP servers (they follow it when it restarts); none for an external target.
 */
function controlledNodes(target: TargetSpec): { nodes: number; what: string } | null {
  if (target.kind === 'bundled') return { nodes: target.nodes, what: 'the bundled target has nodes' };
  if (target.kind === 'janus' && target.url === null) return { nodes: target.instances, what: 'the launched Janus has instances' };
  if (target.kind === 'whip' && target.launch) return { nodes: 1, what: 'the Janus behind the launched WHIP/WHEP servers is' };
  if (target.kind === 'launch') return { nodes: target.instances, what: 'target.launch has instances' };
  return null;
}

/** Process actions need a target rtcstorm controls, and a named node or worker must exist in it. */
function targetProblems(steps: IndexedStep[], target: TargetSpec): PathProblem[] {
  return steps.flatMap(({ index, step }): PathProblem[] => {
    if (step.action === 'exec' || step.action === 'impair' || step.action === 'reconnect' || step.action === 'churn') return [];
    const controlled = controlledNodes(target);
    if (!controlled) {
      return [{ path: ['chaos', index, 'action'], message: `${step.action} needs a target rtcstorm starts and controls (target.bundled, target.janus with instances, target.whip with launch, or target.launch); for an external target use action: exec`, at: 'value' }];
    }
    if (step.action === 'kill-worker' && target.kind !== 'bundled') {
      return [{ path: ['chaos', index, 'action'], message: 'kill-worker needs the bundled target: only its nodes have mediasoup workers (kill-node, pause-node and restart-node work on a launched Janus, and on the Janus behind launched WHIP/WHEP servers)', at: 'value' }];
    }
    const match = /^node-(\d+)(?:\/worker-(\d+))?$/.exec(step.target);
    if (!match) return [];
    const node = Number(match[1]);
    if (node >= controlled.nodes) {
      const names = controlled.nodes === 1 ? 'node-0' : `node-0 … node-${controlled.nodes - 1}`;
      return [{ path: ['chaos', index, 'target'], message: `no such node: ${controlled.what} ${names} (got ${step.target})`, at: 'value' }];
    }
    if (target.kind !== 'bundled') return [];
    if (match[2] !== undefined && Number(match[2]) >= target.workersPerNode) {
      return [{ path: ['chaos', index, 'target'], message: `no such worker: each node has worker-0 … worker-${target.workersPerNode - 1} (got ${step.target})`, at: 'value' }];
    }
    return [];
  });
}

/** Two pauses of one node at once cannot both be undone in order. */
function overlappingPauses(steps: IndexedStep[]): PathProblem[] {
  const pauses = steps.filter((s): s is IndexedStep & { step: Extract<ChaosStep, { action: 'pause-node' }> } => s.step.action === 'pause-node');
  return pauses.flatMap(({ index, step }, i): PathProblem[] => {
    const earlier = pauses.slice(0, i).find((other) => (other.step.target === step.target || [other.step.target, step.target].some((t) => t === 'random' || t === 'busiest')) && other.step.atMs < endOf(step) && step.atMs < endOf(other.step));
    if (!earlier) return [];
    const message = `overlaps the pause of chaos[${earlier.index}] (${earlier.step.target} from ${formatDuration(earlier.step.atMs)} to ${formatDuration(endOf(earlier.step))}); pauses of one node must not overlap`;
    return [{ path: ['chaos', index], message, at: 'key' }];
  });
}

/** What client steps (reconnect, churn) are checked against: the valid fleet groups and the room count, when known. */
export interface ClientFacts { groups: readonly FleetGroup[]; roomCount: number | undefined }

/** Groups whose members sit in the rooms with media (werift bots, browsers); k6 brings its own rooms and no media. */
const seatedNames = (groups: readonly FleetGroup[]): string[] => groups.filter((g) => seatsOf(g) !== null).map((g) => g.name);

function clientSelectorProblems(index: number, action: string, bots: BotSelector, facts: ClientFacts): PathProblem[] {
  const seated = seatedNames(facts.groups);
  const listed = `groups with participants: ${seated.join(', ') || 'none'}`;
  if (facts.groups.length > 0 && seated.length === 0) {
    return [{ path: ['chaos', index, 'action'], message: `${action} acts on werift bots and browsers, and the fleet has neither (k6 groups have no media participants)`, at: 'value' }];
  }
  if (bots.kind === 'group') {
    const group = facts.groups.find((g) => g.name === bots.name);
    if (group && seatsOf(group) !== null) return [];
    const message = group
      ? `"${bots.name}" is a ${group.engine} group, which has no media participants to ${action === 'churn' ? 'churn' : 'reconnect'}; ${listed}`
      : `no fleet group "${bots.name}"; ${listed}`;
    return [{ path: ['chaos', index, 'group'], message, at: 'value' }];
  }
  if (bots.kind === 'rooms' && facts.roomCount !== undefined) {
    const missing = bots.rooms.filter((room) => room >= facts.roomCount!);
    if (missing.length > 0) return [{ path: ['chaos', index, 'rooms'], message: `no room ${missing.join(', ')}: rooms are 0 … ${facts.roomCount - 1} (rooms.count ${facts.roomCount})`, at: 'value' }];
  }
  return [];
}

/** reconnect and churn pick participants that exist: a seated group, rooms of the scenario. */
function clientProblems(steps: IndexedStep[], facts: ClientFacts): PathProblem[] {
  return steps.flatMap(({ index, step }) => (step.action === 'reconnect' || step.action === 'churn' ? clientSelectorProblems(index, step.action, step.bots, facts) : []));
}

/** `clients`: the fleet and rooms, for the reconnect and churn steps' selectors; left out, those are not checked. */
export function chaosProblems(chaos: unknown, durationMs: number | undefined, target: TargetSpec | undefined, clients?: ClientFacts): PathProblem[] {
  const steps = validSteps(chaos);
  return [
    ...(durationMs === undefined ? [] : timeProblems(steps, durationMs)),
    ...(target === undefined ? [] : targetProblems(steps, target)),
    ...overlappingPauses(steps),
    ...(clients === undefined ? [] : clientProblems(steps, clients)),
  ];
}
