/** `target:` which SFU a run loads, and through which adapter (docs/targets.md). */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { positiveDuration } from './duration-schema.js';
import { show } from './messages.js';
import type { TargetKind, TargetSpec } from './types.js';

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

export const target = z
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
