/** A browser group: real Chromium pages in the rooms (bots/browser). */
import { z } from 'zod';
import { duration } from '../duration-schema.js';
import type { BrowserGroup, VideoSpec } from '../types.js';
import { audio } from './audio.js';

const video = z
  .union([
    z.literal('none'),
    z.strictObject({
      codec: z.literal('vp8').default('vp8'),
      width: z.int().min(16).max(1920),
      height: z.int().min(16).max(1080),
      fps: z.int().min(1).max(60),
    }),
  ])
  .default('none')
  .transform((spec): VideoSpec | null => (spec === 'none' ? null : spec));

export const browserGroup = z
  .strictObject({
    engine: z.literal('browser'),
    name: z.string().min(1).max(80).optional(),
    count: z.int().min(1),
    perProcess: z.int().min(1).max(16).default(2),
    rampUp: duration.default(0),
    audio,
    video,
  })
  .transform(
    (group): BrowserGroup => ({
      engine: group.engine,
      name: group.name ?? group.engine,
      count: group.count,
      perProcess: group.perProcess,
      rampUpMs: group.rampUp,
      audio: group.audio,
      video: group.video,
    }),
  );
