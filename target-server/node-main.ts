/**
 * Entry point of one SFU node process. Started by the bundled target (with an IPC channel) or by
 * hand; options come from the environment so the parent's command line stays simple.
 */
import { availableParallelism } from 'node:os';
import type { FromNode, ToNode } from './node-ipc.js';
import { SfuNode } from './sfu-node.js';
import { endChild } from '../core/child-exit.js';

function intFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  return value === undefined ? fallback : Number.parseInt(value, 10);
}

const node = await SfuNode.start({
  nodeId: process.env.RTCSTORM_NODE_ID ?? 'node-0',
  workers: intFromEnv('RTCSTORM_WORKERS', availableParallelism()),
  port: intFromEnv('RTCSTORM_PORT', 0),
});

function send(message: FromNode): void {
  if (process.connected) process.send?.(message);
}

node.onWorkerDied((workerId, error) => send({ type: 'worker-died', workerId, message: error.message }));

/**
 * Heartbeats tell the directory this node is alive; a paused (SIGSTOP) or hung node stops sending
 * them and the directory moves its rooms.
 */
const directoryUrl = process.env.RTCSTORM_DIRECTORY_URL;
const heartbeatMs = 500;
function heartbeat(): void {
  if (!directoryUrl) return;
  fetch(new URL('/v1/heartbeat', directoryUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nodeId: node.nodeId, url: node.url }),
    signal: AbortSignal.timeout(heartbeatMs),
  }).catch(() => undefined);
}
heartbeat();
const heartbeats = setInterval(heartbeat, heartbeatMs);
send({ type: 'ready', nodeId: node.nodeId, url: node.url, workerPids: node.workerPids });
if (!process.send) console.log(`${node.nodeId} listening on ${node.url}`);

process.on('message', (message: ToNode) => {
  if (message.type === 'stats') void node.stats().then((stats) => send({ type: 'stats', requestId: message.requestId, stats }));
});

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(heartbeats);
  await node.close();
  endChild(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.on('disconnect', () => void shutdown());
