/** The `network:` section: impairment profiles and which bots get them (network-types.ts). */
import { z } from 'zod';
import { duration, positiveDuration } from './duration-schema.js';
import { show } from './messages.js';
import type { BotSelector, ImpairmentProfile, LossModel, NetworkAssignment, NetworkProfile, NetworkSpec } from './network-types.js';

/** Checks that run even when a value of the object is wrong, so every problem is said at once. */
export const evenWithOtherProblems = { when: () => true };

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

type GilbertElliott = z.output<typeof gilbertElliott>;

function lossOf(loss: number | undefined, model: { gilbertElliott: GilbertElliott } | undefined): LossModel | null {
  if (model !== undefined) {
    const ge = model.gilbertElliott;
    return { kind: 'gilbert-elliott', p: ge.p, r: ge.r, lossInBad: ge['1-h'], lossInGood: ge['1-k'] };
  }
  return loss === undefined || loss === 0 ? null : { kind: 'random', ratio: loss };
}

/** The keys of a fixed profile; a trace profile takes these from its file. */
const fixedKeys = ['loss', 'lossModel', 'delay', 'jitter', 'reorder', 'duplicate', 'rateKbps', 'blackhole'] as const;

const fixedDefaults = { delay: 0, duplicate: 0, blackhole: false };

/** Keys that only make sense with another, or not with another: said even when a value elsewhere is wrong. */
const keyRules: Array<{ key: string; when: (given: (key: string) => boolean) => boolean; message: string }> = [
  { key: 'lossModel', when: (given) => given('loss'), message: 'set either loss (random loss) or lossModel, not both' },
  { key: 'distribution', when: (given) => !given('jitter') && !given('trace'), message: 'only applies together with jitter or trace' },
  { key: 'reorder', when: (given) => !given('jitter'), message: 'only applies together with jitter' },
  { key: 'queueLimit', when: (given) => !given('rateKbps') && !given('trace'), message: 'only applies together with rateKbps or trace' },
  ...(['loop', 'startAt', 'length', 'format', 'part'] as const).map((key) => ({ key, when: (given: (key: string) => boolean) => !given('trace'), message: 'only applies together with trace' })),
  ...fixedKeys.map((key) => ({ key, when: (given: (key: string) => boolean) => given('trace'), message: 'a trace profile takes its impairment from the trace file: remove this key, or the trace' })),
];

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
    /** A trace file (CSV, JSON, AlphaRTC/OpenNetLab JSON, Mahimahi), relative to the scenario's folder: read when the scenario is loaded. */
    trace: z.string().min(1).optional(),
    format: z.enum(['csv', 'json', 'alphartc', 'mahimahi']).optional(),
    loop: z.boolean().optional(),
    startAt: duration.optional(),
    length: positiveDuration.optional(),
    part: z.enum(['uplink', 'downlink']).optional(),
  })
  .superRefine(
    (input, ctx) => {
      if (typeof input !== 'object' || input === null) return;
      // delay, duplicate and blackhole have defaults: only a value other than the default counts as given.
      const given = (key: string): boolean => {
        const value: unknown = Reflect.get(input, key);
        return value !== undefined && !(key in fixedDefaults && value === fixedDefaults[key as keyof typeof fixedDefaults]);
      };
      for (const rule of keyRules) {
        if (given(rule.key) && rule.when(given)) ctx.addIssue({ code: 'custom', path: [rule.key], message: rule.message, input: Reflect.get(input, rule.key), params: { at: 'key' } });
      }
    },
    evenWithOtherProblems,
  )
  .transform(
    (input): NetworkProfile =>
      input.trace !== undefined
        ? { trace: { file: input.trace, format: input.format ?? 'csv', intervals: [], lengthMs: input.length ?? 0, loop: input.loop ?? false, startAtMs: input.startAt ?? 0 } }
        : fixedProfile(input),
  );

/** What a trace file is read with: the profile's keys that apply to every row. */
export interface TraceReadOptions { format?: 'csv' | 'json' | 'alphartc' | 'mahimahi'; distribution?: 'uniform' | 'normal' | 'pareto'; queueLimit?: number; part?: 'uplink' | 'downlink'; lengthMs?: number }

/** The read options of a raw profile that names a trace (the scenario's YAML, already validated); `lengthMs` as parsed (0: the file's). */
export function traceReadOptions(raw: unknown, lengthMs: number): TraceReadOptions {
  const get = (key: string): unknown => (typeof raw === 'object' && raw !== null ? Reflect.get(raw, key) : undefined);
  const format = get('format') as TraceReadOptions['format'];
  const distribution = get('distribution') as TraceReadOptions['distribution'];
  const queueLimit = get('queueLimit') as number | undefined;
  const part = get('part') as TraceReadOptions['part'];
  return { ...(format ? { format } : {}), ...(distribution ? { distribution } : {}), ...(queueLimit ? { queueLimit } : {}), ...(part ? { part } : {}), ...(lengthMs > 0 ? { lengthMs } : {}) };
}

type FixedInput = { loss?: number; lossModel?: { gilbertElliott: GilbertElliott }; delay: number; jitter?: number; distribution?: 'uniform' | 'normal' | 'pareto'; reorder?: boolean; duplicate: number; rateKbps?: number; queueLimit?: number; blackhole: boolean };

function fixedProfile(input: FixedInput): ImpairmentProfile {
  return {
    loss: lossOf(input.loss, input.lossModel),
    delayMs: input.delay,
    jitter: input.jitter ? { ms: input.jitter, distribution: input.distribution ?? 'uniform', reorder: input.reorder ?? false } : null,
    duplicateRatio: input.duplicate,
    rate: input.rateKbps === undefined ? null : { kbps: input.rateKbps, queueLimit: input.queueLimit ?? defaultQueueLimit },
    blackhole: input.blackhole,
  };
}

/** Keys that pick bots, shared by `network.assign` entries and `impair` chaos steps. */
export const selectorKeys = {
  bots: percentage.optional(),
  group: z.string().min(1).optional(),
  rooms: z.array(z.int().min(0)).min(1).optional(),
};

type SelectorInput = { [K in keyof typeof selectorKeys]?: z.output<(typeof selectorKeys)[K]> };

const selectorNames = ['bots', 'group', 'rooms'] as const;

/** Exactly one of the selector keys of an entry or step must be given. */
export function checkSelector(input: unknown, ctx: z.RefinementCtx): void {
  if (typeof input !== 'object' || input === null) return;
  const given = selectorNames.filter((key) => Reflect.get(input, key) !== undefined);
  if (given.length === 1) return;
  const message = `must pick bots with exactly one of bots (a share such as "25%"), group (a fleet group name) or rooms (room indices) (got ${given.length === 0 ? 'none' : given.join(' and ')})`;
  ctx.addIssue({ code: 'custom', message, input });
}

/** The selector of an input that passed selectorProblem. */
export function selectorOf(input: SelectorInput): BotSelector {
  if (input.bots !== undefined) return { kind: 'share', ratio: input.bots };
  if (input.group !== undefined) return { kind: 'group', name: input.group };
  return { kind: 'rooms', rooms: [...new Set(input.rooms)].sort((a, b) => a - b) };
}

export const directionSchema = z.enum(['up', 'down', 'both']).default('both');

export const assignmentSchema = z
  .strictObject({ ...selectorKeys, profile: profileName, direction: directionSchema })
  .superRefine(checkSelector, evenWithOtherProblems)
  .transform((input): NetworkAssignment => ({ bots: selectorOf(input), profile: input.profile, direction: input.direction }));

export const backendSchema = z.enum(['userspace', 'kernel']).default('userspace');

export const networkSchema = z
  .strictObject({
    backend: backendSchema,
    profiles: z.record(profileName, profileSchema).default({}),
    assign: z.array(assignmentSchema).default([]),
  })
  .optional()
  .transform((network): NetworkSpec | null => network ?? null);
