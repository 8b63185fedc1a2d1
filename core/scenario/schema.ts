import { z } from 'zod';
import { positiveDuration } from './duration-schema.js';
import { show } from './messages.js';
import { chaosSchema, recoverySchema } from './chaos-schema.js';
import { harnessSchema } from './harness-schema.js';
import { capacitySchema } from './capacity-schema.js';
import { networkSchema } from './network-schema.js';
import { thresholdsSchema } from './threshold-schema.js';
import { target } from './target-schema.js';
import { groupSchemas } from './engine-kinds.js';

const name = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9._-]+$/, {
    error: (issue) => `may only contain letters, digits, ".", "_" and "-" (got ${show(issue.input)})`,
  });

export { duration, positiveDuration } from './duration-schema.js';

export { isLoopbackHost } from './target-schema.js';

export const rooms = z.strictObject({ count: z.int().min(1), size: z.int().min(1) });

/** One entry per engine; each engine declares its group in its own folder (engine-kinds.ts). */
export const fleetGroup = z.discriminatedUnion('engine', groupSchemas);

export const scenarioSchema = z.strictObject(
  {
    name,
    seed: z.int().min(0).default(1),
    // Required unless capacity is set: a search lasts as long as its steps (checks.ts).
    duration: positiveDuration.optional(),
    target,
    rooms,
    fleet: z.array(fleetGroup).min(1),
    thresholds: thresholdsSchema,
    recovery: recoverySchema,
    chaos: chaosSchema,
    harness: harnessSchema,
    media: z.strictObject({ plane: z.enum(['native', 'typescript', 'auto']).default('auto') }).prefault({}),
    network: networkSchema,
    capacity: capacitySchema.optional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? `a scenario must be a YAML mapping with name, duration (or capacity), rooms and fleet (got ${show(issue.input)})`
        : undefined,
  },
);

