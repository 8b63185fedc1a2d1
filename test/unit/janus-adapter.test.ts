/**
 * The Janus adapter's message handling, against a WebSocket server on loopback that answers as
 * Janus 1.1.2 did in a recorded exchange (acks, events by transaction, events of its own), and a
 * participant that records what the adapter asks of it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import type { OfferedMedia, Participant, ParticipantConnection, RemoteStream } from '../../ports/target-adapter.js';
import { TargetError } from '../../ports/target-adapter.js';
import { createAdapter, roomNumber } from '../../targets/janus/janus-adapter.js';

type Request = { janus: string; transaction: string; handle_id?: number; body?: { request: string; [k: string]: unknown }; jsep?: { type: string; sdp: string } };

const answerFromJanus = 'v=0\r\ns=janus-answer\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=setup:passive\r\n';
const offerOf = (feeds: Array<{ mid: string; ssrc: number }>): string =>
  `v=0\r\ns=janus-offer\r\n${feeds.map((f) => `m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:${f.mid}\r\na=sendonly\r\na=ssrc:${f.ssrc} cname:janus\r\n`).join('')}`;

/** A Janus that answers one participant's exchange as recorded; `script` decides each plugin request. */
class RecordedJanus {
  server!: WebSocketServer;
  readonly requests: Request[] = [];
  socket: WebSocket | undefined;
  nextHandle = 100;
  pluginReply: (request: Request, reply: (m: object) => void) => void = () => undefined;

  async start(): Promise<string> {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'janus-protocol' });
    await new Promise((resolve) => this.server.once('listening', resolve));
    this.server.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (raw) => this.onRequest(JSON.parse((raw as Buffer).toString()) as Request, socket));
    });
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private onRequest(request: Request, socket: WebSocket): void {
    this.requests.push(request);
    const reply = (m: object): void => socket.send(JSON.stringify({ session_id: 1, ...m }));
    if (request.janus === 'create') return reply({ janus: 'success', transaction: request.transaction, data: { id: 1 } });
    if (request.janus === 'attach') return reply({ janus: 'success', transaction: request.transaction, data: { id: this.nextHandle++ } });
    if (request.janus === 'message') return this.pluginReply(request, reply);
  }

  /** An event Janus sends on its own (a new publisher, a feed gone) on `handle`. */
  push(handle: number, data: object, jsep?: object): void {
    this.socket?.send(JSON.stringify({ janus: 'event', session_id: 1, sender: handle, plugindata: { plugin: 'janus.plugin.videoroom', data }, ...(jsep ? { jsep } : {}) }));
  }

  plugin(name: string): Request[] {
    return this.requests.filter((r) => r.body?.request === name);
  }
}

/** What the adapter asked of a participant, in order. */
function recordingParticipant(peerId: string) {
  const calls: string[] = [];
  const streams: RemoteStream[] = [];
  const ended: number[] = [];
  const dropped: string[] = [];
  let opened = 0;
  const participant: Participant = {
    peerId,
    takesEveryStream: true,
    publishes: ['audio'],
    receives: ['audio'],
    openConnection(purpose): ParticipantConnection {
      const n = opened++;
      calls.push(`open ${purpose}`);
      return {
        createOffer: async (media: OfferedMedia) => {
          calls.push(`offer ${JSON.stringify(media)}`);
          return 'v=0\r\ns=werift-offer\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\na=setup:actpass\r\n';
        },
        acceptAnswer: async (answer) => void calls.push(`accept ${answer.includes('janus-answer') ? 'janus-answer' : answer}`),
        createAnswer: async (offer) => {
          calls.push(`answer-to ${offer.match(/a=mid:\S+/g)?.join(',')}`);
          return 'v=0\r\ns=werift-answer\r\n';
        },
        applyAnswer: async () => {
          calls.push('apply');
          return `v=0\r\ns=werift-answer-applied-${n}\r\na=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\n`;
        },
        receiving: (stream) => void streams.push(stream),
        ended: (ssrc) => void ended.push(ssrc),
        useIceServers: () => void calls.push('ice-servers'),
        close: () => void calls.push('close'),
      };
    },
    dropped: (reason) => void dropped.push(reason),
  };
  return { participant, calls, streams, ended, dropped };
}

const settle = (): Promise<void> => sleep(50);

describe('Janus adapter on a recorded exchange', () => {
  const janus = new RecordedJanus();
  let url = '';
  before(async () => (url = await janus.start()));
  after(() => {
    for (const client of janus.server.clients) client.terminate();
    janus.server.close();
  });

  it('creates the room (already there is fine), joins, publishes with setup:active, subscribes to every feed in one handle and follows feeds coming and going', async () => {
    const room = roomNumber('run1-room-0');
    janus.pluginReply = (request, reply) => {
      const t = request.transaction;
      const data = (d: object, jsep?: object) => ({ janus: 'event', transaction: t, sender: request.handle_id, plugindata: { plugin: 'janus.plugin.videoroom', data: d }, ...(jsep ? { jsep } : {}) });
      switch (request.body!.request) {
        case 'create':
          return reply({ janus: 'success', transaction: t, sender: request.handle_id, plugindata: { plugin: 'janus.plugin.videoroom', data: { videoroom: 'event', error_code: 427, error: `Room ${room} already exists` } } });
        case 'join':
          reply({ janus: 'ack', transaction: t });
          if (request.body!.ptype === 'publisher') return reply(data({ videoroom: 'joined', room, id: 1, publishers: [{ id: 11, display: 'bot-7' }] }));
          return reply(data({ videoroom: 'attached', room, streams: [{ mid: '0', feed_id: 11, type: 'audio' }] }, { type: 'offer', sdp: offerOf([{ mid: '0', ssrc: 1234 }]) }));
        case 'publish':
          // The event before the ack, as Janus sometimes sends them.
          reply(data({ videoroom: 'event', configured: 'ok' }, { type: 'answer', sdp: answerFromJanus }));
          return reply({ janus: 'ack', transaction: t });
        case 'start':
          reply({ janus: 'ack', transaction: t });
          return reply(data({ videoroom: 'event', started: 'ok' }));
        case 'subscribe':
          reply({ janus: 'ack', transaction: t });
          return reply(data({ videoroom: 'updated', streams: [{ mid: '0', feed_id: 11, type: 'audio' }, { mid: '1', feed_id: 12, type: 'audio' }] }, { type: 'offer', sdp: offerOf([{ mid: '0', ssrc: 1234 }, { mid: '1', ssrc: 5678 }]) }));
      }
    };
    const adapter = createAdapter({ url, options: {}, runTag: 'run1' });
    const { participant, calls, streams, ended, dropped } = recordingParticipant('bot-1');
    const session = await adapter.join(participant, { roomId: 'run1-room-0', publish: true, timeoutMs: 2000, reach: (u) => u });
    await settle();
    assert.deepEqual(janus.plugin('create').map((r) => [r.body!.room, r.body!.publishers, r.body!.audiocodec]), [[room, 1000, 'opus']]);
    assert.deepEqual(janus.plugin('join').map((r) => [r.body!.ptype, r.body!.display ?? null]), [['publisher', 'bot-1'], ['subscriber', null]]);
    assert.deepEqual(janus.plugin('join')[1]!.body!.streams, [{ feed: 11 }]);
    assert.match(janus.plugin('publish')[0]!.jsep!.sdp, /a=setup:active/);
    assert.doesNotMatch(janus.plugin('publish')[0]!.jsep!.sdp, /actpass/);
    // The answer Janus gets is the one applied, with the participant's candidates.
    assert.match(janus.plugin('start')[0]!.jsep!.sdp, /werift-answer-applied-1\r\na=candidate:1 1 udp 1 127\.0\.0\.1 5000/);
    assert.deepEqual(streams, [{ ssrc: 1234, peerId: 'bot-7', kind: 'audio' }]);

    // A new publisher: subscribed in the same handle; Janus's new offer answered.
    janus.push(100, { videoroom: 'event', room, publishers: [{ id: 12, display: 'bot-9' }] });
    await settle();
    assert.deepEqual(janus.plugin('subscribe').map((r) => r.body!.streams), [[{ feed: 12 }]]);
    assert.deepEqual(streams.at(-1), { ssrc: 5678, peerId: 'bot-9', kind: 'audio' });
    assert.equal(janus.plugin('start').length, 2);
    // Its own feed is never subscribed to.
    janus.push(100, { videoroom: 'event', room, publishers: [{ id: 13, display: 'bot-1' }] });
    await settle();
    assert.equal(janus.plugin('subscribe').length, 1);
    // A feed unpublished: its stream ended.
    janus.push(100, { videoroom: 'event', room, unpublished: 11 });
    await settle();
    assert.deepEqual(ended, [1234]);
    assert.deepEqual(calls, ['open publish', 'offer {"send":["audio"]}', 'accept janus-answer', 'open subscribe', 'answer-to a=mid:0', 'apply', 'answer-to a=mid:0,a=mid:1', 'apply']);
    assert.deepEqual(dropped, []);
    // Janus closing the socket drops the participant; after leave() nothing is reported.
    janus.socket!.close();
    await settle();
    assert.deepEqual(dropped, ['Janus signalling socket closed']);
    await session.leave();
    await adapter.close();
  });

  it('a Janus error reply fails the join with Janus\'s code and text', async () => {
    janus.pluginReply = (request, reply) => {
      const t = request.transaction;
      if (request.body!.request === 'create') return reply({ janus: 'success', transaction: t, plugindata: { plugin: 'janus.plugin.videoroom', data: { videoroom: 'created' } } });
      reply({ janus: 'ack', transaction: t });
      reply({ janus: 'event', transaction: t, sender: request.handle_id, plugindata: { plugin: 'janus.plugin.videoroom', data: { videoroom: 'event', error_code: 432, error: 'Maximum number of publishers (2) already reached' } } });
    };
    const adapter = createAdapter({ url, options: { publishersPerRoom: 2 }, runTag: 'run2' });
    const { participant } = recordingParticipant('bot-3');
    await assert.rejects(adapter.join(participant, { roomId: 'run2-room-0', publish: true, timeoutMs: 2000, reach: (u) => u }), (error: unknown) => {
      assert.ok(error instanceof TargetError);
      assert.equal(error.code, 432);
      assert.equal(error.message, '432: Maximum number of publishers (2) already reached');
      return true;
    });
    assert.equal(janus.plugin('create').at(-1)!.body!.publishers, 2);
  });

  it('refuses options it cannot use, and numbers rooms from their names, stably', () => {
    assert.throws(() => createAdapter({ url, options: { publishersPerRoom: 0 }, runTag: 'x' }), /publishersPerRoom must be a whole number ≥ 1 \(got 0\)/);
    assert.equal(roomNumber('a-room-0'), roomNumber('a-room-0'));
    assert.notEqual(roomNumber('a-room-0'), roomNumber('b-room-0'));
    assert.ok(Number.isSafeInteger(roomNumber('x')) && roomNumber('x') > 0);
  });
});

describe('the adapter interfaces, as the package exports them', () => {
  it('rtcstorm/ports resolves, with TargetError and the types a user adapter imports', async () => {
    const ports = (await import('rtcstorm/ports'));
    assert.equal(ports.TargetError, TargetError);
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const types = readFileSync(fileURLToPath(import.meta.resolve('rtcstorm/ports')).replace(/\.js$/, '.d.ts'), 'utf8');
    for (const name of ['TargetAdapter', 'AdapterInit', 'Participant', 'ParticipantConnection', 'TargetSession', 'CreateAdapter']) assert.match(types, new RegExp(`\\b${name}\\b`));
  });
});
