/** A werift group: headless bots that publish and subscribe real RTP (bots/werift, bots/fleet). */
import { z } from 'zod';
import { duration } from '../duration-schema.js';
import { show } from '../messages.js';
import { percentage } from '../network-schema.js';
import type { TalkSpec, WeriftGroup } from '../types.js';
import { audio } from './audio.js';

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
