/** A werift group in a scenario: headless bots that publish and subscribe real RTP (bots/werift, bots/fleet). */
import { z } from 'zod';
import { audio } from '../../core/scenario/audio-schema.js';
import { duration } from '../../core/scenario/duration-schema.js';
import type { AudioSpec, TalkSpec } from '../../core/scenario/media-spec.js';
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
}

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
    };
  });
