/** A werift group in a scenario: headless bots that publish and subscribe real RTP (bots/werift, bots/fleet). */
import { z } from 'zod';
import { audio } from '../../core/scenario/audio-schema.js';
import { duration, positiveDuration } from '../../core/scenario/duration-schema.js';
import type { AudioSpec, TalkSpec, VideoSpec } from '../../core/scenario/media-spec.js';
import { show } from '../../core/scenario/messages.js';
import { percentage } from '../../core/scenario/network-schema.js';

export interface WeriftGroup {
  engine: 'werift';
  name: string;
  count: number;
  rampUpMs: number;
  audio: AudioSpec;
  /** When bots talk: always, or the P.59 on/off model with DTX. */
  talk: TalkSpec;
  /** How many bots of the group publish (speakers); the rest only listen, as in a large stage. */
  speakers: number;
  /** null: audio only. */
  video: BotVideoSpec | null;
}

export type BotVideoSpec = Required<VideoSpec>;

/** The sizes of the VP8 clips bots replay (bots/video/clips.ts), largest first: a group's size is one of them, its lower layers the ones below. */
export const botVideoSizes = [[640, 360], [320, 180], [160, 90]] as const;

// `none` is read as no video, so a mistake inside the object is reported at its own field, not at a union.
const video = z
  .preprocess(
    (input) => (input === 'none' ? undefined : input),
    z.strictObject({
      codec: z.literal('vp8').default('vp8'),
      width: z.int().min(16).max(1920).default(640),
      height: z.int().min(16).max(1080).default(360),
      fps: z.int().min(1).max(30).default(15),
      bitrateKbps: z.number().min(30).max(5000).default(1000),
      simulcast: z.union([z.literal(1), z.literal(2), z.literal(3)], { error: (issue) => `must be 1, 2 or 3 layers (got ${show(issue.input)})` }).default(3),
      keyframeInterval: positiveDuration.optional(),
    }).optional(),
  )
  .transform((spec, ctx): BotVideoSpec | null => {
    if (spec === undefined) return null;
    const rung = botVideoSizes.findIndex(([w, h]) => w === spec.width && h === spec.height);
    if (rung < 0) {
      ctx.addIssue({ code: 'custom', path: ['width'], message: `werift bots send ${botVideoSizes.map(([w, h]) => `${w}x${h}`).join(', ')} (the sizes of their VP8 clips); got ${spec.width}x${spec.height}`, input: spec.width });
    } else if (spec.simulcast > botVideoSizes.length - rung) {
      ctx.addIssue({ code: 'custom', path: ['simulcast'], message: `${spec.width}x${spec.height} has ${botVideoSizes.length - rung} layer${botVideoSizes.length - rung > 1 ? 's' : ''} at or below it (each half the one above, down to 160x90); got ${spec.simulcast}`, input: spec.simulcast });
    }
    return { codec: spec.codec, width: spec.width, height: spec.height, fps: spec.fps, bitrateKbps: spec.bitrateKbps, simulcast: spec.simulcast, keyframeIntervalMs: spec.keyframeInterval ?? null };
  });

const talk = z
  .strictObject({ model: z.enum(['always', 'p59']).default('always'), dtx: z.boolean().default(true) })
  .prefault({})
  .transform((t): TalkSpec => (t.model === 'always' ? { model: 'always' } : { model: 'p59', dtx: t.dtx }));

/** How many of a group publish: a count or a share ("25%"); the others only listen. */
const speakers = z.union([z.int().min(0), percentage], {
  error: (issue) => `must be a number of bots or a percentage such as "25%" (got ${show(issue.input)})`,
});

export const weriftGroup = z
  .strictObject({
    engine: z.literal('werift'),
    name: z.string().min(1).max(80).optional(),
    count: z.int().min(1),
    rampUp: duration.default(0),
    audio,
    talk,
    speakers: speakers.optional(),
    video,
  })
  .transform((group, ctx): WeriftGroup => {
    const count = group.speakers === undefined ? group.count : Number.isInteger(group.speakers) && group.speakers >= 1 ? group.speakers : Math.round(group.speakers * group.count);
    if (count > group.count) ctx.addIssue({ code: 'custom', path: ['speakers'], message: `must be at most the group's count ${group.count} (got ${group.speakers})`, input: group.speakers });
    return {
      engine: group.engine,
      name: group.name ?? group.engine,
      count: group.count,
      rampUpMs: group.rampUp,
      audio: group.audio,
      talk: group.talk,
      speakers: Math.min(count, group.count),
      video: group.video,
    };
  });
