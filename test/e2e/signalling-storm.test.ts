/**
 * The SFU's signalling survives a storm of sessions (no k6 needed): 2,000 WebSocket sessions
 * against one real node, 100 at a time. Half join a room and create a transport, then drop the
 * socket without leaving; some send malformed or oversized messages and must get an error reply;
 * the rest open and close. Afterwards the node is still up, holds no room, peer or transport, and
 * its process holds as many signalling sockets as before.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { SignallingClient } from '../../targets/rtcstorm/signalling-client.js';
import { startBundledTarget } from '../../target-server/bundled-target.js';
import type { Target, TargetNode } from '../../ports/target-control.js';
import { maxMessageBytes, type Response } from '../../ports/rtcstorm-protocol.js';

const sessions = 2_000;
const concurrency = 100;
const rooms = 50;

type Kind = 'join' | 'malformed' | 'oversized' | 'open-close';

function kindOf(i: number): Kind {
  if (i % 2 === 0) return 'join';
  if (i % 20 === 1) return 'oversized';
  if (i % 4 === 1) return 'malformed';
  return 'open-close';
}

/**
 * TCP sockets of process `pid` on local port `port`: its listening socket and accepted connections.
 * Counted by port because the node holds other sockets that come and go by themselves (its
 * keep-alive connection to the directory for heartbeats).
 */
function socketsOnPort(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed while listing
    }
  }
  // /proc/net/tcp{,6}: "sl local_address rem_address st … inode", addresses as HEXIP:HEXPORT.
  const rows = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) => readFileSync(file, 'utf8').trim().split('\n').slice(1));
  return rows.filter((row) => {
    const fields = row.trim().split(/\s+/);
    return Number.parseInt(fields[1]!.split(':')[1]!, 16) === port && inodes.has(fields[9]!);
  }).length;
}

function closed(socket: WebSocket): Promise<void> {
  return socket.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

function opened(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one raw message and returns the server's reply to it. */
async function rawReply(url: string, message: string): Promise<Response> {
  const socket = await opened(url);
  const reply = new Promise<Response>((resolve) => socket.once('message', (data) => resolve(JSON.parse((data as Buffer).toString()) as Response)));
  socket.send(message);
  const response = await reply;
  socket.close();
  await closed(socket);
  return response;
}

async function joinAndDrop(url: string, i: number): Promise<void> {
  const client = await SignallingClient.connect(url);
  const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await client.request('join', { roomId: `storm-${i % rooms}`, peerId: `peer-${i}` });
  await client.request('createTransport', { direction: i % 4 === 0 ? 'send' : 'recv' });
  client.close();
  await gone;
}

const malformed = ['not json at all', '{"id": 1, "method": "join"', '{"id": 2, "method": "teleport", "data": {}}', '[1, 2, 3]', '{"id": 3, "method": "join", "data": {"roomId": ""}}'];

async function session(url: string, i: number): Promise<void> {
  switch (kindOf(i)) {
    case 'join':
      return joinAndDrop(url, i);
    case 'malformed': {
      const reply = await rawReply(url, malformed[i % malformed.length]!);
      assert.equal(reply.ok, false, `malformed message ${i} was accepted`);
      if (!reply.ok) assert.match(reply.error.code, /^(bad-request|unknown-method)$/);
      return;
    }
    case 'oversized': {
      const reply = await rawReply(url, JSON.stringify({ id: i, method: 'join', data: { roomId: 'x'.repeat(maxMessageBytes), peerId: 'p' } }));
      assert.deepEqual(reply.ok ? null : reply.error.code, 'too-large');
      return;
    }
    case 'open-close': {
      const socket = await opened(url);
      socket.close();
      return closed(socket);
    }
  }
}

/** Runs every session with at most `concurrency` at once; collects failures rather than stopping at the first. */
async function storm(url: string): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < sessions; i = next++) {
      await session(url, i).catch((error: Error) => failures.push(`session ${i} (${kindOf(i)}): ${error.message}`));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}

async function settle<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(100);
    value = await read();
  }
  return value;
}

describe('signalling under a storm of sessions', () => {
  let target: Target;
  let node: TargetNode;

  before(async () => {
    target = await startBundledTarget({ nodes: 1, workersPerNode: 1 });
    node = target.nodes[0]!;
  });

  after(async () => {
    await target?.stop();
  });

  it(`survives ${sessions} sessions, ${concurrency} at a time, and returns to its baseline`, async () => {
    const port = Number(new URL(node.url).port);
    const baselineSockets = socketsOnPort(node.pid, port);
    const failures = await storm(node.url);
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} sessions failed`);

    const stats = await settle(() => node.stats(), (s) => s !== undefined && s.rooms === 0 && s.peers === 0 && s.transports === 0);
    assert.ok(stats, 'node does not answer after the storm');
    assert.deepEqual({ rooms: stats.rooms, peers: stats.peers, transports: stats.transports }, { rooms: 0, peers: 0, transports: 0 });
    const sockets = await settle(async () => socketsOnPort(node.pid, port), (n) => n <= baselineSockets);
    assert.equal(sockets, baselineSockets, `node holds ${sockets} signalling sockets, ${baselineSockets} before the storm`);

    // Still serving: a fresh session joins.
    await joinAndDrop(node.url, sessions);
  });
});
