/**
 * Which werift bots the `network:` section and the impair steps touch: a pure function of the
 * scenario and its seed, made over the whole plan (not a shard of it), so every process and every
 * shard picks the same bots.
 */
import type { BotSelector, Direction, DirectionProfiles, NetworkSpec } from '../scenario/network-types.js';
import { directionsOf } from '../scenario/network-types.js';
import type { Scenario } from '../scenario/index.js';
import { makePlan, type BotPlan, type RunPlan } from './plan.js';
import { seededRandom, shuffled } from './random.js';

/** Profile name per direction; a missing direction is not impaired. */
export type AssignedProfiles = Partial<Record<Direction, string>>;

export interface NetworkPlan {
  spec: NetworkSpec;
  /**
   * Every werift bot whose traffic goes through the network layer, with its assigned profiles:
   * the assigned ones, those an impair step picks, and all of them when a partition may cut them.
   */
  bots: Map<number, AssignedProfiles>;
  /** The bots each impair step picks, by the step's index in `chaos`. */
  impairs: Map<number, number[]>;
  /** Profiles the run may put in place: assigned, or taken by an impair step. */
  usedProfiles: Set<string>;
}

// Separate streams from the plan's own, so adding a network section changes no join order or seat.
const assignSalt = 0x6e37_a5f1;
const impairSalt = 0x1a9b_2c3d;

/** The bots a selector picks; a share takes the first bots of `order` (wrapping around), from `offset`. */
function pick(selector: BotSelector, werift: readonly BotPlan[], order: readonly number[], offset = 0): number[] {
  switch (selector.kind) {
    case 'group':
      return werift.filter((bot) => bot.group === selector.name).map((bot) => bot.id);
    case 'rooms':
      return werift.filter((bot) => selector.rooms.includes(bot.room)).map((bot) => bot.id);
    case 'share':
      return Array.from({ length: Math.round(selector.ratio * werift.length) }, (_, k) => order[(offset + k) % order.length]!);
  }
}

/**
 * Shares in `assign` take consecutive slices of one seeded order of all werift bots, so two
 * entries of 25% are different bots (while the shares add up to at most 100%).
 */
function assigned(spec: NetworkSpec, werift: readonly BotPlan[], seed: number): Map<number, AssignedProfiles> {
  const order = shuffled(werift.map((bot) => bot.id), seededRandom(seed ^ assignSalt));
  let taken = 0;
  const bots = new Map<number, AssignedProfiles>();
  for (const entry of spec.assign) {
    const ids = pick(entry.bots, werift, order, taken);
    if (entry.bots.kind === 'share') taken += ids.length;
    for (const id of ids) {
      const profiles = bots.get(id) ?? {};
      for (const direction of directionsOf(entry.direction)) profiles[direction] = entry.profile;
      bots.set(id, profiles);
    }
  }
  return bots;
}

/** null when the scenario leaves the network alone (no `network:` section, no network chaos). `plan`: the whole run's. */
export function planNetwork(scenario: Scenario, plan: RunPlan = makePlan(scenario)): NetworkPlan | null {
  const networkSteps = scenario.chaos.flatMap((step, index) => (step.action === 'impair' || step.action === 'partition' ? [{ step, index }] : []));
  if (scenario.network === null && networkSteps.length === 0) return null;
  const spec = scenario.network ?? { backend: 'userspace', profiles: {}, assign: [] };
  const werift = plan.bots.filter((bot) => bot.engine === 'werift');
  const bots = assigned(spec, werift, scenario.seed);
  const impairs = new Map<number, number[]>();
  const usedProfiles = new Set(spec.assign.map((entry) => entry.profile));
  for (const { step, index } of networkSteps) {
    if (step.action === 'partition') {
      for (const bot of werift) if (!bots.has(bot.id)) bots.set(bot.id, {});
      continue;
    }
    // Each step its own order: editing one step does not change whom another picks.
    const order = shuffled(werift.map((bot) => bot.id), seededRandom((scenario.seed ^ impairSalt) + index * 7919));
    const ids = pick(step.bots, werift, order);
    impairs.set(index, ids);
    usedProfiles.add(step.profile);
    for (const id of ids) if (!bots.has(id)) bots.set(id, {});
  }
  return { spec, bots, impairs, usedProfiles };
}

/** A bot's assigned profiles, resolved by name. */
export function profilesOf(plan: NetworkPlan, botId: number): DirectionProfiles {
  return Object.fromEntries(Object.entries(plan.bots.get(botId) ?? {}).map(([direction, name]) => [direction, plan.spec.profiles[name]]));
}
