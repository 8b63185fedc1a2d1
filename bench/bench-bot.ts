/** A werift bot as the benches run it: one SFU node, no recovery pressure, its own room and group. */
import type { MediaRoute } from '../ports/media-route.js';
import { typescriptMediaPlane } from '../bots/werift/fast-media.js';
import { WeriftBot, type WeriftBotOptions } from '../bots/werift/werift-bot.js';
import type { MetricStore } from '../core/metrics/store.js';
import type { TargetAdapter } from '../ports/target-adapter.js';
import { createAdapter } from '../targets/rtcstorm/rtcstorm-adapter.js';

export const benchAudio = { codec: 'opus', ptimeMs: 20, bitrateKbps: 32 } as const;

export interface BenchBotOptions {
  id: number;
  room: number;
  nodeUrl: string;
  group: string;
  store: MetricStore;
  route?: MediaRoute;
  /** Default: a speaker that always talks, on the default media path. */
  role?: WeriftBotOptions['role'];
  talk?: WeriftBotOptions['talk'];
  mediaPath?: WeriftBotOptions['mediaPath'];
  video?: WeriftBotOptions['video'];
  random?: () => number;
}

const adapters = new Map<string, TargetAdapter>();

/** One rtcstorm-protocol adapter per node URL, as a fleet process has one for its target. */
function benchAdapter(nodeUrl: string): TargetAdapter {
  let adapter = adapters.get(nodeUrl);
  if (!adapter) adapters.set(nodeUrl, (adapter = createAdapter({ url: nodeUrl, options: {}, runTag: 'bench' })));
  return adapter;
}

export function benchBot({ id, room, nodeUrl, group, store, route, role, talk, mediaPath, video, random }: BenchBotOptions): WeriftBot {
  return new WeriftBot({
    id,
    roomId: `bench-room-${room}`,
    room: `room-${room}`,
    adapter: benchAdapter(nodeUrl),
    group,
    audio: benchAudio,
    store,
    joinTimeoutMs: 30_000,
    recovery: { mediaTimeoutMs: 2000, gapThresholdMs: 500, backoffInitialMs: 250, backoffMaxMs: 4000 },
    role: role ?? 'speaker',
    talk: talk ?? { model: 'always' },
    random: random ?? Math.random,
    ...(video ? { video } : {}),
    ...(route ? { route } : {}),
    ...(mediaPath ? { mediaPath } : {}),
    mediaPlane: typescriptMediaPlane,
  });
}

/** Peer connections a connected bot holds: a send and a receive one for a speaker, a receive one for a listener. */
export function peerConnectionsOf(bot: WeriftBot): number {
  return bot.options.role === 'speaker' ? 2 : 1;
}

