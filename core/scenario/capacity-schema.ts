/** `capacity:` a search for the largest load the target holds (docs/capacity.md). */
import { z } from 'zod';
import { positiveDuration } from './duration-schema.js';
import { thresholdsSchema } from './threshold-schema.js';
import { seatsOf } from './engine-kinds.js';
import type { CapacitySpec, FleetGroup } from './types.js';

/** An amount of load: whole rooms of the scenario's shape, or bots (rounded up to whole rooms). */
export const capacityAmount = z
  .strictObject({ rooms: z.int().min(1).optional(), bots: z.int().min(1).optional() })
  .refine((a) => (a.rooms === undefined) !== (a.bots === undefined), { error: 'set rooms or bots, one of them, e.g. { rooms: 10 }' });

export type CapacityAmount = z.output<typeof capacityAmount>;

export const capacitySchema = z.strictObject({
  grow: capacityAmount,
  start: capacityAmount.optional(),
  max: capacityAmount,
  ramp: positiveDuration.default(5000),
  hold: positiveDuration.default(20_000),
  slo: thresholdsSchema,
  refine: z.boolean().default(false),
  min: capacityAmount.optional(),
});

export type CapacityInput = z.output<typeof capacitySchema>;

/** Bots per room of the scenario's shape: its seated groups spread over `rooms.count` rooms (k6 has rooms of its own). */
export function botsPerRoom(fleet: readonly FleetGroup[], roomCount: number): number {
  return fleet.reduce((n, g) => n + (seatsOf(g)?.count ?? 0), 0) / roomCount;
}

export function roomsOf(amount: CapacityAmount, perRoom: number): number {
  return amount.rooms ?? Math.ceil((amount.bots ?? 0) / perRoom);
}

export function resolveCapacity(input: CapacityInput, perRoom: number): CapacitySpec {
  const growRooms = roomsOf(input.grow, perRoom);
  const min = input.min === undefined ? null : input.min.bots !== undefined ? { bots: input.min.bots } : { rooms: input.min.rooms ?? 0 };
  return {
    startRooms: input.start === undefined ? growRooms : roomsOf(input.start, perRoom),
    growRooms,
    maxRooms: roomsOf(input.max, perRoom),
    rampMs: input.ramp,
    holdMs: input.hold,
    slo: input.slo,
    refine: input.refine,
    min,
  };
}

/** The steps' room counts: start, start + grow, … up to max (the last step is max itself). */
export function stepRooms(spec: Pick<CapacitySpec, 'startRooms' | 'growRooms' | 'maxRooms'>): number[] {
  const rooms: number[] = [];
  for (let r = spec.startRooms; r < spec.maxRooms; r += spec.growRooms) rooms.push(r);
  rooms.push(spec.maxRooms);
  return rooms;
}

/** How long the steps take together: each is its ramp and its hold. */
export function capacityLengthMs(spec: Pick<CapacitySpec, 'startRooms' | 'growRooms' | 'maxRooms' | 'rampMs' | 'holdMs'>): number {
  return stepRooms(spec).length * (spec.rampMs + spec.holdMs);
}
