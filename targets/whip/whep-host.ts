/**
 * A process rtcstorm starts in front of a launched Janus: Meetecho's janus-whep-server (a library,
 * from npm) serving WHEP, with one endpoint per VideoRoom publisher, named by the publisher's
 * display (its WHIP endpoint id, which simple-whip-server gives the feed). Publishers are found by
 * asking Janus for each room's participants a few times a second; an endpoint follows its
 * publisher's feed (a republished publisher has a new one) and goes when it does.
 *
 * argv[2]: a JSON file of WhepHostConfig. It ends when its stdin closes (the run ended or died).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { JanusWhepServer } from 'janus-whep-server';
import { JanusConnection } from '../janus/janus-api.js';
import { endChild } from '../../core/child-exit.js';

export interface WhepHostConfig {
  janus: string;
  port: number;
  basePath: string;
  token: string | undefined;
  /** VideoRoom room numbers to watch. */
  rooms: number[];
  pollMs: number;
}

interface Listed { id: number; display?: string; publisher?: boolean }

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as WhepHostConfig;
const server = new JanusWhepServer({ janus: { address: config.janus }, rest: { port: config.port, basePath: config.basePath }, debug: 'warn' });
await server.start();
const janus = await JanusConnection.open(config.janus, 5000);
const handle = await janus.attach('janus.plugin.videoroom');
/** Endpoint id → the feed it serves. */
const served = new Map<string, { room: number; feed: number }>();

async function reconcile(): Promise<void> {
  const present = new Set<string>();
  for (const room of config.rooms) {
    const reply = await janus.message(handle, { request: 'listparticipants', room });
    for (const p of (reply.plugindata?.data.participants ?? []) as Listed[]) {
      if (!p.publisher || !p.display) continue;
      present.add(p.display);
      const current = served.get(p.display);
      if (current?.feed === p.id) continue;
      if (current) await server.destroyEndpoint({ id: p.display });
      server.createEndpoint({ id: p.display, plugin: 'videoroom', room, feed: p.id, ...(config.token ? { token: config.token } : {}) });
      served.set(p.display, { room, feed: p.id });
      console.log(`[whep-host] endpoint ${p.display} → feed ${p.id}`);
    }
  }
  for (const id of served.keys()) {
    if (present.has(id)) continue;
    served.delete(id);
    await server.destroyEndpoint({ id });
  }
}

let stopping = false;
async function poll(): Promise<void> {
  while (!stopping) {
    await reconcile().catch((error: Error) => console.error(`[whep-host] ${error.message}`));
    await sleep(config.pollMs);
  }
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  janus.close();
  void server.destroy().finally(() => endChild(0));
  setTimeout(() => endChild(0), 1000).unref();
}

janus.on('closed', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
console.log('[whep-host] ready');
void poll();
