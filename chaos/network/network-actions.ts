/** Network chaos steps (impair, partition): what each one changes, and the words its events use. */
import { directionsOf, type BotSelector } from '../../core/scenario/network-types.js';
import type { NetworkChaosStep } from '../../core/scenario/types.js';
import type { Target } from '../../ports/target-control.js';
import type { NetworkChaos } from '../../ports/network-control.js';
import type { DirectionProfiles } from '../../core/scenario/network-types.js';



export interface NetworkStepOutcome {
  target: string;
  detail: string;
  /** Ends the step; resolves to the end event's detail. */
  undo: () => Promise<string>;
}

const botsListed = 8;

function describeSelector(selector: BotSelector): string {
  switch (selector.kind) {
    case 'share':
      return `${Math.round(selector.ratio * 1000) / 10}% of werift bots`;
    case 'group':
      return `group ${selector.name}`;
    case 'rooms':
      return `rooms ${selector.rooms.join(', ')}`;
  }
}

function describeBots(ids: number[]): string {
  const listed = ids.slice(0, botsListed).map((id) => `bot-${id}`).join(', ');
  return `${ids.length} bot(s)${ids.length > 0 ? `: ${listed}${ids.length > botsListed ? ', …' : ''}` : ''}`;
}

/** Where one node's WebRtcServers receive media, asked of the node now (a restarted worker has a new port). */
export async function nodeMediaPorts(target: Target, nodeId: string): Promise<number[]> {
  const node = target.nodes.find((n) => n.id === nodeId);
  if (!node) throw new Error(`${nodeId} is not running`);
  const stats = await node.stats();
  if (!stats) throw new Error(`${nodeId} did not answer (paused?), so its media ports are unknown`);
  return stats.workers.flatMap((w) => w.udpPorts);
}

export async function startNetworkStep(step: NetworkChaosStep, index: number, network: NetworkChaos, target: Target): Promise<NetworkStepOutcome> {
  const id = `chaos[${index}]`;
  const undo = async (): Promise<string> => {
    await network.control.apply({ kind: 'end', id });
    return step.action === 'partition' ? `partition of ${step.target} healed` : `${describeSelector(step.bots)} back to their assigned profiles`;
  };
  if (step.action === 'partition') {
    const ports = await nodeMediaPorts(target, step.target);
    await network.control.apply({ kind: 'partition', id, ports });
    return { target: step.target, detail: `media between every bot and ${step.target} (udp ports ${ports.join(', ')}) dropped both ways`, undo };
  }
  const profile = network.plan.spec.profiles[step.profile];
  if (!profile) throw new Error(`unknown profile "${step.profile}"`);
  const profiles: DirectionProfiles = Object.fromEntries(directionsOf(step.direction).map((direction) => [direction, profile]));
  const bots = network.plan.impairs.get(index) ?? [];
  await network.control.apply({ kind: 'impair', id, bots, profiles });
  return { target: describeSelector(step.bots), detail: `${describeBots(bots)} take profile ${step.profile} (${step.direction === 'both' ? 'both directions' : `${step.direction}link`})`, undo };
}
