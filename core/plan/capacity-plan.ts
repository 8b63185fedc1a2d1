/**
 * A capacity search's plan: rooms of the scenario's shape, added step by step. Room r always holds
 * the same bots (the shape repeats every `rooms.count` rooms), so a step keeps every room of the
 * steps before it and adds new ones, and a search of any size is a pure function of scenario + seed.
 */
import { stepRooms } from '../scenario/capacity-schema.js';
import { seatsOf } from '../scenario/engine-kinds.js';
import type { CapacitySpec, Scenario } from '../scenario/index.js';
import type { BotPlan, RunPlan } from './plan-types.js';
import { seededRandom, shuffled } from './random.js';

export interface CapacityStep {
  /** 0-based, in the order the steps run. */
  index: number;
  rooms: number;
  bots: number;
  /** Bots that publish (speakers); every bot subscribes to the others in its room. */
  publishers: number;
  /** Streams the target forwards: each publisher's to every other member of its room. */
  streams: number;
  /** ms after the run's start: the step's new bots join from `startMs` to `holdFromMs`; it is held until `endMs`. */
  startMs: number;
  holdFromMs: number;
  endMs: number;
}

/** What room r of `roomCount` gets of a group of `total`: the shares of rooms 0..r add up to floor((r+1)·total/roomCount). */
const shareOf = (r: number, total: number, roomCount: number): number => Math.floor(((r + 1) * total) / roomCount) - Math.floor((r * total) / roomCount);

type Seat = Omit<BotPlan, 'id' | 'joinAtMs'>;

/** The seats of room r, group by group in fleet order, speakers first. */
function roomSeats(scenario: Scenario, r: number): Seat[] {
  const seats: Seat[] = [];
  const roomCount = scenario.rooms.count;
  for (const group of scenario.fleet) {
    const seated = seatsOf(group);
    if (!seated) continue;
    const count = shareOf(r % roomCount, seated.count, roomCount);
    const speakers = Math.min(count, shareOf(r % roomCount, seated.speakers, roomCount));
    const { engine, audio, video, talk } = seated;
    for (let k = 0; k < count; k++) seats.push({ engine, group: group.name, room: r, audio, video, role: k < speakers ? 'speaker' : 'listener', talk });
  }
  return seats;
}

/** The steps of a search over `spec` (the scenario's own, or a probe's). */
export function capacitySteps(scenario: Scenario, spec: CapacitySpec = scenario.capacity!): CapacityStep[] {
  const stepLengthMs = spec.rampMs + spec.holdMs;
  const all = stepRooms(spec);
  return all.map((rooms, index) => {
    const seats = [...Array(rooms).keys()].map((r) => roomSeats(scenario, r));
    const publishers = seats.reduce((n, room) => n + room.filter((s) => s.role === 'speaker').length, 0);
    const streams = seats.reduce((n, room) => n + room.filter((s) => s.role === 'speaker').length * (room.length - 1), 0);
    const startMs = index * stepLengthMs;
    // The last step is held to the end of the run, which a duration may set beyond the steps.
    const endMs = index === all.length - 1 ? Math.max(startMs + stepLengthMs, scenario.durationMs) : startMs + stepLengthMs;
    return { index, rooms, bots: seats.reduce((n, room) => n + room.length, 0), publishers, streams, startMs, holdFromMs: startMs + spec.rampMs, endMs };
  });
}

/** Every bot of every step; a step's new bots join in a seeded order spread evenly over its ramp. */
export function makeCapacityPlan(scenario: Scenario, spec: CapacitySpec = scenario.capacity!): RunPlan {
  const random = seededRandom(scenario.seed);
  const bots: BotPlan[] = [];
  let roomsSoFar = 0;
  for (const step of capacitySteps(scenario, spec)) {
    const first = bots.length;
    for (let r = roomsSoFar; r < step.rooms; r++) for (const seat of roomSeats(scenario, r)) bots.push({ ...seat, id: bots.length, joinAtMs: 0 });
    const added = bots.length - first;
    shuffled([...Array(added).keys()], random).forEach((position, k) => {
      bots[first + position]!.joinAtMs = step.startMs + Math.round((spec.rampMs * k) / added);
    });
    roomsSoFar = step.rooms;
  }
  return { seed: scenario.seed, rooms: roomsSoFar, bots };
}
