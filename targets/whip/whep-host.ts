/**
 * A process rtcstorm starts in front of a launched Janus: Meetecho's janus-whep-server (a library,
 * from npm) serving WHEP, with one endpoint per VideoRoom publisher, named by the publisher's
 * display (its WHIP endpoint id, which simple-whip-server gives the feed). Publishers are found by
 * asking Janus for each room's participants a few times a second; an endpoint follows its
 * publisher's feed (a republished publisher has a new one) and goes when it does. A Janus that
 * goes away (killed, restarted by the chaos timeline) is dialled again, as janus-whep-server's own
 * connection is, and the endpoints follow the feeds its publishers make there.
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

/** The VideoRoom handle the participants are listed on; undefined while Janus is away. */
let videoroom: { janus: JanusConnection; handle: number } | undefined;

async function dial(): Promise<{ janus: JanusConnection; handle: number }> {
  const janus = await JanusConnection.open(config.janus, 5000);
  try {
    const handle = await janus.attach('janus.plugin.videoroom');
    // Janus went away: dialled again on the next poll (stdin or SIGTERM end this process, not this).
    janus.on('closed', () => {
      if (videoroom?.janus === janus) videoroom = undefined;
    });
    return { janus, handle };
  } catch (error) {
    janus.close();
    throw error;
  }
}

videoroom = await dial();
/** Endpoint id → the feed it serves. */
const served = new Map<string, { room: number; feed: number }>();

async function reconcile(): Promise<void> {
  const { janus, handle } = (videoroom ??= await dial());
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
  // While Janus is away every poll fails alike: the error is written once, not five times a second.
  let lastError = '';
  while (!stopping) {
    await reconcile().then(
      () => (lastError = ''),
      (error: Error) => {
        if (error.message !== lastError) console.error(`[whep-host] ${error.message}`);
        lastError = error.message;
      },
    );
    await sleep(config.pollMs);
  }
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  videoroom?.janus.close();
  void server.destroy().finally(() => endChild(0));
  setTimeout(() => endChild(0), 1000).unref();
}

process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
console.log('[whep-host] ready');
void poll();
