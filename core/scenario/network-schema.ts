/** The `network:` section: impairment profiles and which bots get them (network-types.ts). */
import { z } from 'zod';
import { duration } from './duration-schema.js';
import { show } from './messages.js';
import type { BotSelector, ImpairmentProfile, LossModel, NetworkAssignment, NetworkSpec } from './network-types.js';

const percentText = /^(\d+(?:\.\d+)?)\s*%$/;

/** "2%" (0–100%) or a fraction 0–1; held as a fraction. */
export const percentage = z.union([z.string(), z.number()], { error: (issue) => percentageMessage(issue.input) }).transform((value, ctx) => {
  const match = typeof value === 'string' ? percentText.exec(value.trim()) : null;
  const ratio = typeof value === 'number' ? value : match ? Number(match[1]) / 100 : Number.NaN;
  if (ratio >= 0 && ratio <= 1) return ratio;
  ctx.addIssue({ code: 'custom', message: percentageMessage(value), input: value });
  return z.NEVER;
});

function percentageMessage(value: unknown): string {
  return value === undefined ? 'is required' : `must be a percentage from 0% to 100% such as "2%", or a fraction from 0 to 1 (got ${show(value)})`;
}

export const profileName = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9._-]+$/, { error: (issue) => `may only contain letters, digits, ".", "_" and "-" (got ${show(issue.input)})` });

const gilbertElliott = z.strictObject({
  p: percentage,
  r: percentage.refine((r) => r > 0, { error: 'must be greater than 0: with r = 0 the bad state never ends' }),
  '1-h': percentage.default(1),
  '1-k': percentage.default(0),
});

const defaultQueueLimit = 100;

type IssueAt = (key: string, message: string) => void;

function lossOf(loss: number | undefined, model: { gilbertElliott: z.output<typeof gilbertElliott> } | undefined, issue: IssueAt): LossModel | null {
  if (loss !== undefined && model !== undefined) issue('lossModel', 'set either loss (random loss) or lossModel, not both');
  if (model !== undefined) {
    const ge = model.gilbertElliott;
    return { kind: 'gilbert-elliott', p: ge.p, r: ge.r, lossInBad: ge['1-h'], lossInGood: ge['1-k'] };
  }
  return loss === undefined || loss === 0 ? null : { kind: 'random', ratio: loss };
}

export const profileSchema = z
  .strictObject({
    loss: percentage.optional(),
    lossModel: z.strictObject({ gilbertElliott }).optional(),
    delay: duration.default(0),
    jitter: duration.optional(),
    distribution: z.enum(['uniform', 'normal', 'pareto']).optional(),
    reorder: z.boolean().optional(),
    duplicate: percentage.default(0),
    rateKbps: z.number().positive().optional(),
    queueLimit: z.int().min(1).optional(),
    blackhole: z.boolean().default(false),
  })
  .transform((input, ctx): ImpairmentProfile => {
    const issue: IssueAt = (key, message) => ctx.addIssue({ code: 'custom', path: [key], message, input: Reflect.get(input, key), params: { at: 'key' } });
    const loss = lossOf(input.loss, input.lossModel, issue);
    if (input.jitter === undefined) {
      for (const key of ['distribution', 'reorder'] as const) if (input[key] !== undefined) issue(key, 'only applies together with jitter');
    }
    if (input.rateKbps === undefined && input.queueLimit !== undefined) issue('queueLimit', 'only applies together with rateKbps');
    return {
      loss,
      delayMs: input.delay,
      jitter: input.jitter ? { ms: input.jitter, distribution: input.distribution ?? 'uniform', reorder: input.reorder ?? false } : null,
      duplicateRatio: input.duplicate,
      rate: input.rateKbps === undefined ? null : { kbps: input.rateKbps, queueLimit: input.queueLimit ?? defaultQueueLimit },
      blackhole: input.blackhole,
    };
  });

/** Keys that pick bots, shared by `network.assign` entries and `impair` chaos steps. */
export const selectorKeys = {
  bots: percentage.optional(),
  group: z.string().min(1).optional(),
  rooms: z.array(z.int().min(0)).min(1).optional(),
};

type SelectorInput = { [K in keyof typeof selectorKeys]?: z.output<(typeof selectorKeys)[K]> };

/** Exactly one of bots / group / rooms; `undefined` (with an issue added) otherwise. */
export function selectorOf(input: SelectorInput, addIssue: (message: string) => void): BotSelector | undefined {
  const given = (['bots', 'group', 'rooms'] as const).filter((key) => input[key] !== undefined);
  if (given.length !== 1) {
    addIssue(`must pick bots with exactly one of bots (a share such as "25%"), group (a fleet group name) or rooms (room indices) (got ${given.length === 0 ? 'none' : given.join(' and ')})`);
    return undefined;
  }
  if (input.bots !== undefined) return { kind: 'share', ratio: input.bots };
  if (input.group !== undefined) return { kind: 'group', name: input.group };
  return { kind: 'rooms', rooms: [...new Set(input.rooms)].sort((a, b) => a - b) };
}

export const directionSchema = z.enum(['up', 'down', 'both']).default('both');

const assignment = z
  .strictObject({ ...selectorKeys, profile: profileName, direction: directionSchema })
  .transform((input, ctx): NetworkAssignment => {
    const bots = selectorOf(input, (message) => ctx.addIssue({ code: 'custom', message, input }));
    return bots ? { bots, profile: input.profile, direction: input.direction } : z.NEVER;
  });

export const networkSchema = z
  .strictObject({
    backend: z.enum(['userspace', 'kernel']).default('userspace'),
    profiles: z.record(profileName, profileSchema).default({}),
    assign: z.array(assignment).default([]),
  })
  .optional()
  .transform((network): NetworkSpec | null => network ?? null);
