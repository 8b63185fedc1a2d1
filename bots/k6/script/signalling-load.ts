/**
 * rtcstorm's k6 script: signalling-plane load against the SFU's WebSocket protocol
 * (ports/rtcstorm-protocol.ts: requests {id, method, data}, one reply {id, ok, data | error} each).
 *
 * This file runs inside k6, not Node: it is compiled by tsconfig.k6.json against @types/k6 only,
 * and rtcstorm (bots/k6/script-text.ts) writes the run's `settings` below the imports of the compiled text.
 * Each k6 scenario (one per k6 fleet group) runs one of the exported iteration functions.
 */
import { check } from 'k6';
import exec from 'k6/execution';
import { asyncRequest } from 'k6/http';
import { Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { clearTimeout, setTimeout } from 'k6/timers';
import { WebSocket, type MessageEvent } from 'k6/websockets';
import type { ScriptSettings } from '../script-settings.js';

declare const settings: ScriptSettings;

export const options: Options = settings.options;

// Both are times, so k6 shows them in ms.
const signallingRtt = new Trend('signalling_rtt_ms', true);
const joinAck = new Trend('join_ack_ms', true);

interface SignallingRequest {
  method: 'join' | 'createTransport' | 'leave';
  data: Record<string, string>;
  /** Whether the reply's data is what the protocol promises for this method. */
  answered: (data: unknown) => boolean;
}

interface Reply { id: number | null; ok: boolean; data?: unknown }

function hasKeys(data: unknown, keys: string[]): boolean {
  return typeof data === 'object' && data !== null && keys.every((key) => key in data);
}

function join(roomId: string, peerId: string): SignallingRequest {
  // The router's RTP capabilities come with the join reply: a client needs them before anything else.
  return { method: 'join', data: { roomId, peerId }, answered: (data) => hasKeys(data, ['nodeId', 'routerRtpCapabilities', 'producers']) };
}

function createTransport(direction: 'send' | 'recv'): SignallingRequest {
  return { method: 'createTransport', data: { direction }, answered: (data) => hasKeys(data, ['transportId', 'iceParameters', 'iceCandidates', 'dtlsParameters']) };
}

const leave: SignallingRequest = { method: 'leave', data: {}, answered: () => true };

/** This VU's room and peer id; VUs fill rooms in turn, a fresh peer id per iteration. */
function seat(): { roomId: string; peerId: string } {
  const scenario = exec.scenario.name;
  const room = Math.floor((exec.vu.idInTest - 1) / (settings.roomSizes[scenario] ?? 1));
  return { roomId: `${settings.roomPrefix}${room}`, peerId: `k6-${scenario}-${exec.vu.idInTest}-${exec.vu.iterationInScenario}` };
}

/** The node serving a room: the signalling URL itself, or the directory's answer. */
async function nodeUrl(roomId: string): Promise<string | undefined> {
  if (/^wss?:\/\//.test(settings.signallingUrl)) return settings.signallingUrl;
  const response = await asyncRequest('GET', `${settings.signallingUrl.replace(/\/$/, '')}/v1/rooms/${encodeURIComponent(roomId)}`);
  const body = response.status === 200 ? response.json() : null;
  const url = typeof body === 'object' && body !== null && !Array.isArray(body) ? body['url'] : undefined;
  return check(url, { 'directory located the room': (u) => typeof u === 'string' }) ? (url as string) : undefined;
}

/**
 * Opens a socket, sends the requests one after another, each after the previous one's reply, and
 * closes the socket after the last reply. Resolves whether every request was answered ok in time.
 */
function exchange(url: string, requests: SignallingRequest[]): Promise<boolean> {
  return new Promise((resolve) => {
    const openedAt = Date.now();
    const socket = new WebSocket(url);
    let next = 0;
    let sentAt = 0;
    let settled = false;
    const finish = (completed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(completed);
    };
    const timer = setTimeout(() => finish(false), settings.sessionTimeoutMs);
    const sendNext = (): void => {
      const request = requests[next]!;
      sentAt = Date.now();
      socket.send(JSON.stringify({ id: next + 1, method: request.method, data: request.data }));
    };
    socket.onopen = sendNext;
    socket.onmessage = (event?: MessageEvent) => {
      if (typeof event?.data !== 'string') return;
      const reply = JSON.parse(event.data) as Reply;
      // Notifications (peerLeft, newProducer) have no id.
      if (reply.id !== next + 1) return;
      const request = requests[next]!;
      const now = Date.now();
      signallingRtt.add(now - sentAt, { method: request.method });
      if (request.method === 'join') joinAck.add(now - openedAt);
      if (!check(reply, { [`${request.method} answered`]: (r) => r.ok && request.answered(r.data) })) return finish(false);
      next += 1;
      if (next < requests.length) sendNext();
      else finish(true);
    };
    // Closed or failed before the last reply: by the server, the network or the timeout.
    socket.onerror = () => finish(false);
    socket.onclose = () => finish(false);
  });
}

async function session(requests: (roomId: string, peerId: string) => SignallingRequest[]): Promise<void> {
  const { roomId, peerId } = seat();
  const url = await nodeUrl(roomId);
  const completed = url !== undefined && (await exchange(url, requests(roomId, peerId)));
  check(completed, { 'session completed': (c) => c });
}

/** join-leave: join, a send and a recv transport, leave, close; what a short call does to signalling. */
export function joinLeave(): Promise<void> {
  return session((roomId, peerId) => [join(roomId, peerId), createTransport('send'), createTransport('recv'), leave]);
}

/** reconnect-storm: join and drop the socket at once, without leave, as flapping clients do. */
export function reconnectStorm(): Promise<void> {
  return session((roomId, peerId) => [join(roomId, peerId)]);
}
