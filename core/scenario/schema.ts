import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { show } from './messages.js';
import { thresholdsSchema } from './threshold-schema.js';
import type { TargetSpec, WeriftGroup } from './types.js';

const name = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9._-]+$/, {
    error: (issue) => `may only contain letters, digits, ".", "_" and "-" (got ${show(issue.input)})`,
  });

const duration = z
  .union([z.string(), z.number()], {
    error: (issue) =>
      issue.input === undefined ? 'is required' : `must be a duration such as "500ms", "20s" or "1.5m" (got ${show(issue.input)})`,
  })
  .transform((value, ctx) => {
    try {
      // Numbers are let through so that parseDuration can say which unit to add.
      return parseDuration(String(value));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message, input: value });
      return z.NEVER;
    }
  });

export const positiveDuration = duration.refine((ms) => ms > 0, { error: 'must be longer than 0ms (got 0ms)' });

const wsUrl = z.string().refine((text) => URL.canParse(text) && ['ws:', 'wss:'].includes(new URL(text).protocol), {
  error: (issue) => `must be a ws:// or wss:// URL (got ${show(issue.input)})`,
});

const bundled = z.strictObject({
  nodes: z.int().min(1).default(1),
  workersPerNode: z.int().min(1).default(() => availableParallelism()),
});

const target = z
  .strictObject({
    bundled: bundled.optional(),
    url: wsUrl.optional(),
    allowNonLoopback: z.boolean().default(false),
  })
  .transform(({ bundled, url, allowNonLoopback }, ctx): TargetSpec => {
    if (bundled !== undefined && url === undefined) return { kind: 'bundled', ...bundled };
    if (url === undefined || bundled !== undefined) {
      const given = url === undefined ? 'neither' : 'both';
      ctx.addIssue({ code: 'custom', message: `must set exactly one of bundled or url (got ${given})`, input: { bundled, url } });
      return z.NEVER;
    }
    const host = new URL(url).hostname;
    if (!allowNonLoopback && !isLoopbackHost(host)) {
      const message =
        `host "${host}" is not loopback (allowed: 127.0.0.0/8, localhost, ::1); rtcstorm only sends load to ` +
        'loopback unless target.allowNonLoopback is true';
      ctx.addIssue({ code: 'custom', path: ['url'], message, input: url });
      return z.NEVER;
    }
    return { kind: 'url', url, allowNonLoopback };
  })
  .prefault({ bundled: {} });

function isLoopbackHost(hostname: string): boolean {
  // URL has already normalised the host: lower case, IPv4 in dotted quads, IPv6 in brackets.
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export const rooms = z.strictObject({ count: z.int().min(1), size: z.int().min(1) });

const audio = z
  .strictObject({
    codec: z.literal('opus').default('opus'),
    ptimeMs: z.literal([10, 20, 40, 60]).default(20),
    bitrateKbps: z.number().min(6).max(510).default(32),
  })
  .prefault({});

const weriftGroup = z
  .strictObject({
    engine: z.literal('werift'),
    name: z.string().min(1).max(80).optional(),
    count: z.int().min(1),
    rampUp: duration.default(0),
    audio,
    processes: z.int().min(1).optional(),
  })
  .transform(
    (group): WeriftGroup => ({
      engine: group.engine,
      name: group.name ?? group.engine,
      count: group.count,
      rampUpMs: group.rampUp,
      audio: group.audio,
      ...(group.processes === undefined ? {} : { processes: group.processes }),
    }),
  );

export const fleetGroup = z.discriminatedUnion('engine', [weriftGroup]);

export const scenarioSchema = z.strictObject(
  {
    name,
    seed: z.int().min(0).default(1),
    duration: positiveDuration,
    target,
    rooms,
    fleet: z.array(fleetGroup).min(1),
    thresholds: thresholdsSchema,
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? `a scenario must be a YAML mapping with name, duration, rooms and fleet (got ${show(issue.input)})`
        : undefined,
  },
);
