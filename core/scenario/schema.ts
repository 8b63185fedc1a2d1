import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { duration, positiveDuration } from './duration-schema.js';
import { show } from './messages.js';
import { chaosSchema, recoverySchema } from './chaos-schema.js';
import { harnessSchema } from './harness-schema.js';
import { capacitySchema } from './capacity-schema.js';
import { networkSchema, percentage } from './network-schema.js';
import { thresholdsSchema } from './threshold-schema.js';
import type { BrowserGroup, K6Behaviour, K6Group, K6Load, K6Stage, TalkSpec, TargetKind, TargetSpec, VideoSpec, WeriftGroup } from './types.js';

const name = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9._-]+$/, {
    error: (issue) => `may only contain letters, digits, ".", "_" and "-" (got ${show(issue.input)})`,
  });

export { duration, positiveDuration } from './duration-schema.js';

/** ws(s):// is one SFU node; http(s):// is a directory that says which node serves a room. */
const wsUrl = z.string().refine((text) => URL.canParse(text) && ['ws:', 'wss:', 'http:', 'https:'].includes(new URL(text).protocol), {
  error: (issue) => `must be a ws:// or wss:// URL of an SFU node, or an http:// or https:// URL of an rtcstorm directory (got ${show(issue.input)})`,
});

const bundled = z.strictObject({
  nodes: z.int().min(1).default(1),
  workersPerNode: z.int().min(1).default(() => availableParallelism()),
});

/** A Janus WebSocket API: ws(s)://host:port, or ws+unix:///path/to.sock:/ for a socket file. */
const janusUrl = z.string().refine((text) => URL.canParse(text) && ['ws:', 'wss:', 'ws+unix:', 'http:', 'https:'].includes(new URL(text).protocol), {
  error: (issue) => `must be the ws:// (or ws+unix://) URL of Janus's WebSocket API, or an http:// URL of an rtcstorm directory (got ${show(issue.input)})`,
});

const janus = z
  .strictObject({
    instances: z.int().min(1).max(10).optional(),
    url: janusUrl.optional(),
    /** VideoRoom's `publishers` for the rooms rtcstorm creates (Janus's own default is 3). */
    publishersPerRoom: z.int().min(1).default(1000),
  })
  .refine((j) => !(j.instances !== undefined && j.url !== undefined), { error: 'set instances (rtcstorm launches Janus) or url (a Janus you run), not both' });

/** A WHIP or WHEP endpoint URL template: http(s), with {room} and {peer} where the target wants them. */
const endpointTemplate = (needsPeer: boolean) =>
  z.string().refine((text) => URL.canParse(text.replaceAll('{', '').replaceAll('}', '')) && ['http:', 'https:'].includes(new URL(text.replaceAll('{', '').replaceAll('}', '')).protocol) && (!needsPeer || text.includes('{peer}')), {
    error: (issue) => `must be an http:// or https:// endpoint URL${needsPeer ? ' with {peer} (whose stream to subscribe to) and usually {room}' : ', with {room} and {peer} where your server wants them'} (got ${show(issue.input)})`,
  });

const whip = z
  .strictObject({
    /** rtcstorm starts Janus with simple-whip-server and janus-whep-server in front, and makes their endpoints. */
    launch: z.boolean().default(false),
    publish: endpointTemplate(false).optional(),
    subscribe: endpointTemplate(true).optional(),
    token: z.string().min(1).optional(),
  })
  .refine((w) => (w.launch ? w.publish === undefined && w.subscribe === undefined : w.publish !== undefined && w.subscribe !== undefined), {
    error: 'set launch: true (rtcstorm starts the WHIP and WHEP servers) or both publish and subscribe (endpoint URL templates of your servers)',
  });

/**
 * Your SFU as a command rtcstorm runs: instance i gets port `port + i`; `{port}` and `{instance}`
 * in the command, the environment and `url` are replaced. Ready (and alive) while its port accepts
 * connections, or while GET `health` answers below 500.
 */
const launch = z.strictObject({
  command: z.array(z.string().min(1)).min(1),
  instances: z.int().min(1).max(10).default(1),
  // Up to 10 instances on consecutive ports stay below 65536.
  port: z.int().min(1024).max(65_000),
  url: z.string().default('ws://127.0.0.1:{port}'),
  health: z.string().startsWith('/').optional(),
  env: z.record(z.string(), z.string()).default({}),
  readyTimeout: positiveDuration.default(15_000),
});

const loopbackOnly = (url: string, allowNonLoopback: boolean, path: string[], ctx: z.RefinementCtx): boolean => {
  const parsed = new URL(url);
  if (parsed.protocol === 'ws+unix:' || allowNonLoopback || isLoopbackHost(parsed.hostname)) return true;
  const message =
    `host "${parsed.hostname}" is not loopback (allowed: 127.0.0.0/8, localhost, ::1); rtcstorm only sends load to ` +
    'loopback unless target.allowNonLoopback is true';
  ctx.addIssue({ code: 'custom', path, message, input: url });
  return false;
};

const userAdapter = z.strictObject({
  module: z.string().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
});

const target = z
  .strictObject({
    bundled: bundled.optional(),
    url: wsUrl.optional(),
    janus: janus.optional(),
    whip: whip.optional(),
    launch: launch.optional(),
    adapter: userAdapter.optional(),
    allowNonLoopback: z.boolean().default(false),
  })
  .transform(({ adapter, ...rest }, ctx): TargetSpec => {
    const kind = targetKind(rest, ctx);
    return kind === z.NEVER || adapter === undefined ? kind : { ...kind, adapter };
  })
  .prefault({ bundled: {} });

type BundledInput = z.infer<typeof bundled>;
type JanusInput = z.infer<typeof janus>;
type WhipInput = z.infer<typeof whip>;
type LaunchInput = z.infer<typeof launch>;

function targetKind(input: { bundled?: BundledInput; url?: string; janus?: JanusInput; whip?: WhipInput; launch?: LaunchInput; allowNonLoopback: boolean }, ctx: z.RefinementCtx): TargetKind {
  const { bundled, url, janus, whip, launch, allowNonLoopback } = input;
    const given = [bundled !== undefined && 'bundled', url !== undefined && 'url', janus !== undefined && 'janus', whip !== undefined && 'whip', launch !== undefined && 'launch'].filter(Boolean);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `must set exactly one of bundled, url, janus, whip or launch (got ${given.length === 0 ? 'none' : given.join(' and ')})`, input: { bundled, url, janus, whip, launch } });
      return z.NEVER;
    }
    if (launch !== undefined) return launchKind(launch, ctx);
    if (whip !== undefined) {
      const token = whip.token ?? null;
      if (whip.launch) return { kind: 'whip', launch: true, publish: null, subscribe: null, token, allowNonLoopback };
      const host = (template: string): string => template.replaceAll('{', '').replaceAll('}', '');
      const ok = loopbackOnly(host(whip.publish!), allowNonLoopback, ['whip', 'publish'], ctx) && loopbackOnly(host(whip.subscribe!), allowNonLoopback, ['whip', 'subscribe'], ctx);
      return ok ? { kind: 'whip', launch: false, publish: whip.publish!, subscribe: whip.subscribe!, token, allowNonLoopback } : z.NEVER;
    }
    if (bundled !== undefined) return { kind: 'bundled', ...bundled };
    if (janus !== undefined) {
      const { publishersPerRoom } = janus;
      if (janus.url === undefined) return { kind: 'janus', instances: janus.instances ?? 1, url: null, allowNonLoopback, publishersPerRoom };
      return loopbackOnly(janus.url, allowNonLoopback, ['janus', 'url'], ctx) ? { kind: 'janus', instances: 0, url: janus.url, allowNonLoopback, publishersPerRoom } : z.NEVER;
    }
    return loopbackOnly(url!, allowNonLoopback, ['url'], ctx) ? { kind: 'url', url: url!, allowNonLoopback } : z.NEVER;
}

/** A launched SFU runs here: its URL must be loopback whatever allowNonLoopback says. */
function launchKind(launch: LaunchInput, ctx: z.RefinementCtx): TargetKind {
  const sample = launch.url.replaceAll('{port}', String(launch.port)).replaceAll('{instance}', '0');
  const ok = URL.canParse(sample) && ['ws:', 'wss:', 'http:', 'https:'].includes(new URL(sample).protocol);
  if (!ok) {
    ctx.addIssue({ code: 'custom', path: ['launch', 'url'], message: `must be a ws:// or http:// URL template of an instance, e.g. ws://127.0.0.1:{port} (got ${show(launch.url)})`, input: launch.url });
    return z.NEVER;
  }
  if (!isLoopbackHost(new URL(sample).hostname)) {
    ctx.addIssue({ code: 'custom', path: ['launch', 'url'], message: `host "${new URL(sample).hostname}" is not loopback (allowed: 127.0.0.0/8, localhost, ::1): a launched SFU runs on this machine`, input: launch.url });
    return z.NEVER;
  }
  return { kind: 'launch', command: launch.command, instances: launch.instances, port: launch.port, url: launch.url, health: launch.health ?? null, env: launch.env, readyTimeoutMs: launch.readyTimeout, allowNonLoopback: false };
}

export function isLoopbackHost(hostname: string): boolean {
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

const talk = z
  .strictObject({ model: z.enum(['always', 'p59']).default('always'), dtx: z.boolean().default(true) })
  .prefault({})
  .transform((t): TalkSpec => (t.model === 'always' ? { model: 'always' } : { model: 'p59', dtx: t.dtx }));

/** How many of a group publish: a count or a share ("25%"); the others only listen. */
const speakers = z.union([z.int().min(0), percentage], {
  error: (issue) => `must be a number of bots or a percentage such as "25%" (got ${show(issue.input)})`,
});

const weriftGroup = z
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

const browserGroup = z
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

// A k6 group is one k6 scenario, named after the group, and k6 allows only these characters.
const k6ScenarioName = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9_-]+$/, {
    error: (issue) => `may only contain letters, digits, "_" and "-", as a k6 scenario name (got ${show(issue.input)})`,
  });

const k6Stages = z
  .array(
    z
      .strictObject({ duration: positiveDuration, target: z.int().min(0) })
      .transform(({ duration, target }): K6Stage => ({ durationMs: duration, target })),
  )
  .min(1);

// Keys of every k6 group, around the executor's own keys (so "allowed keys" messages read in that order).
const k6Head = { engine: z.literal('k6'), name: k6ScenarioName.optional() };
const k6Tail = {
  behaviour: z.enum(['join-leave', 'reconnect-storm', 'custom']).default('join-leave'),
  script: z.string().min(1).optional(),
  startTime: duration.default(0),
  roomSize: z.int().min(1).default(4),
  required: z.boolean().default(false),
};

// k6's executors with k6's option names and defaults.
const k6Executors = z.discriminatedUnion('executor', [
  z.strictObject({ ...k6Head, executor: z.literal('constant-vus'), vus: z.int().min(1), duration: positiveDuration, ...k6Tail }),
  z.strictObject({ ...k6Head, executor: z.literal('ramping-vus'), startVUs: z.int().min(0).default(1), stages: k6Stages, ...k6Tail }),
  z.strictObject({
    ...k6Head,
    executor: z.literal('ramping-arrival-rate'),
    startRate: z.int().min(0).default(0),
    timeUnit: positiveDuration.default(1000),
    preAllocatedVUs: z.int().min(1),
    maxVUs: z.int().min(1).optional(),
    stages: k6Stages,
    ...k6Tail,
  }),
]);

type K6GroupInput = z.output<typeof k6Executors>;

function k6Load(group: K6GroupInput): K6Load {
  switch (group.executor) {
    case 'constant-vus':
      return { executor: group.executor, vus: group.vus, durationMs: group.duration };
    case 'ramping-vus':
      return { executor: group.executor, startVUs: group.startVUs, stages: group.stages };
    case 'ramping-arrival-rate': {
      const { startRate, timeUnit, preAllocatedVUs, maxVUs, stages } = group;
      return { executor: group.executor, startRate, timeUnitMs: timeUnit, preAllocatedVUs, ...(maxVUs === undefined ? {} : { maxVUs }), stages };
    }
  }
}

type IssueAt = (key: string, message: string) => void;

function k6Behaviour(group: K6GroupInput, issue: IssueAt): K6Behaviour | undefined {
  if (group.behaviour === 'custom') {
    if (group.script !== undefined) return { kind: 'custom', script: group.script };
    issue('script', 'is required when behaviour is custom (a k6 script whose default function is one iteration)');
    return undefined;
  }
  if (group.script === undefined) return { kind: group.behaviour };
  issue('script', `only applies to behaviour custom (behaviour is "${group.behaviour}")`);
  return undefined;
}

const k6Group = k6Executors.transform((group, ctx): K6Group => {
  const issue: IssueAt = (key, message) => ctx.addIssue({ code: 'custom', path: [key], message, input: Reflect.get(group, key) });
  const behaviour = k6Behaviour(group, issue);
  if (group.executor === 'ramping-arrival-rate' && group.maxVUs !== undefined && group.maxVUs < group.preAllocatedVUs) {
    issue('maxVUs', `must be at least preAllocatedVUs ${group.preAllocatedVUs} (got ${group.maxVUs})`);
    return z.NEVER;
  }
  if (behaviour === undefined) return z.NEVER;
  return {
    engine: group.engine,
    name: group.name ?? group.engine,
    load: k6Load(group),
    behaviour,
    startTimeMs: group.startTime,
    roomSize: group.roomSize,
    required: group.required,
  };
});

export const fleetGroup = z.discriminatedUnion('engine', [weriftGroup, browserGroup, k6Group]);

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
