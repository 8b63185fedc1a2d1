/**
 * The seeded plan: which bot joins which room at what time. A pure function of the scenario (and
 * its seed), so a run can be replayed, and fleet processes or shards each take a slice of it.
 */
import { seatsOf } from '../scenario/engine-kinds.js';
import type { Scenario } from '../scenario/index.js';
import type { BotPlan, RunPlan } from './plan-types.js';
import { makeCapacityPlan } from './capacity-plan.js';
import { seededRandom, shuffled } from './random.js';

export type { BotPlan, RunPlan } from './plan-types.js';

/** A room's name in metrics and reports. */
export const roomName = (room: number): string => `room-${room}`;

/** A room's name at the target: prefixed with the run's tag, so runs sharing a target do not meet. */
export const targetRoomId = (runTag: string, room: number): string => `${runTag}-${roomName(room)}`;

/** A participant's peer id at the target: `bot-<id>` or `browser-<id>`. */
export const peerIdOf = (bot: Pick<BotPlan, 'engine' | 'id'>): string => `${bot.engine === 'browser' ? 'browser' : 'bot'}-${bot.id}`;

/** Each room's name at the target and who publishes in it: what WHIP and WHEP cannot tell participants. */
export function publishersByRoom(plan: RunPlan, runTag: string): Array<{ roomId: string; publishers: string[] }> {
  const rooms = [...Array(plan.rooms).keys()].map((room) => ({ roomId: targetRoomId(runTag, room), publishers: [] as string[] }));
  for (const bot of plan.bots) if (bot.role === 'speaker') rooms[bot.room]?.publishers.push(peerIdOf(bot));
  return rooms;
}

export function makePlan(scenario: Scenario): RunPlan {
  if (scenario.capacity) return makeCapacityPlan(scenario);
  const random = seededRandom(scenario.seed);
  const bots: BotPlan[] = [];
  for (const group of scenario.fleet) {
    // k6 brings its own load and rooms; werift bots and browsers share the seats.
    const seated = seatsOf(group);
    if (!seated) continue;
    const first = bots.length;
    // Join order within a group is a seeded permutation; ramp-up spreads it evenly.
    const order = shuffled([...Array(seated.count).keys()], random);
    // The first `speakers` of that order publish.
    order.forEach((position, k) => {
      const role = k < seated.speakers ? 'speaker' : 'listener';
      const { engine, audio, video, talk } = seated;
      bots[first + position] = { id: first + position, engine, group: group.name, room: -1, joinAtMs: Math.round((seated.rampUpMs * k) / seated.count), audio, video, role, talk };
    });
  }
  // Seats: a seeded order of all bots fills rooms in turn, so rooms stay within one of each other in size.
  shuffled(bots, random).forEach((bot, k) => (bot.room = k % scenario.rooms.count));
  return { seed: scenario.seed, rooms: scenario.rooms.count, bots };
}

/** Bots of fleet process `index` out of `count`: round-robin by id, so every process gets every group. */
export function processSlice(plan: RunPlan, index: number, count: number): BotPlan[] {
  return plan.bots.filter((bot) => bot.id % count === index);
}

export interface ShardSpec { index: number; count: number }

/**
 * The bots shard `index` of `count` runs: whole rooms dealt in turn, so each room's latency is
 * measured on one machine's clock; with fewer rooms than shards, bots are dealt by id instead.
 * Sender ids stay global, so merged shards never confuse two senders.
 */
export function shardPlan(plan: RunPlan, shard: ShardSpec): RunPlan {
  const mine = plan.rooms >= shard.count ? (bot: BotPlan) => bot.room % shard.count === shard.index : (bot: BotPlan) => bot.id % shard.count === shard.index;
  return { ...plan, bots: plan.bots.filter(mine) };
}
