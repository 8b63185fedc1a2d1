/** The audio a werift bot or a browser page sends. */
import { z } from 'zod';
import type { AudioSpec } from './media-spec.js';

export const audio = z
  .strictObject({
    codec: z.literal('opus').default('opus'),
    ptimeMs: z.literal([10, 20, 40, 60]).default(20),
    bitrateKbps: z.number().min(6).max(510).default(32),
    content: z.enum(['speech', 'filler']).optional(),
  })
  .prefault({}) satisfies z.ZodType<AudioSpec, unknown>;
