/** A browser group in a scenario: real Chromium pages in the rooms. */
import { z } from 'zod';
import { audio } from '../../core/scenario/audio-schema.js';
import { duration } from '../../core/scenario/duration-schema.js';
import type { AudioSpec, VideoSpec } from '../../core/scenario/media-spec.js';

/** Real Chromium participants: `perProcess` pages share one browser process. */
export interface BrowserGroup {
  engine: 'browser';
  name: string;
  count: number;
  perProcess: number;
  rampUpMs: number;
  audio: AudioSpec;
  /** null: audio only. */
  video: VideoSpec | null;
}

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
