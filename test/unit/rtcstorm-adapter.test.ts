/**
 * The rtcstorm adapter's message handling, against a WebSocket server on loopback that answers
 * rtcstorm's protocol as a bundled node did in a recorded exchange, and a participant that records
 * what the adapter asks of it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import type { OfferedMedia, Participant, ParticipantConnection, RemoteStream } from '../../ports/target-adapter.js';
import { createAdapter } from '../../targets/rtcstorm/rtcstorm-adapter.js';

type Request = { id: number; method: string; data: Record<string, unknown> };

const transport = (id: string) => ({
  transportId: id,
  iceParameters: { usernameFragment: `u-${id}`, password: 'p', iceLite: true },
  iceCandidates: [{ foundation: 'udp', priority: 1076302079, address: '127.0.0.1', protocol: 'udp', port: 40000, type: 'host' }],
  dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] },
});
const consumer = (n: number) => ({ consumerId: `c${n}`, producerId: `p${n}`, kind: 'audio', rtpParameters: { mid: String(n), codecs: [{ payloadType: 100 }], encodings: [{ ssrc: 1000 + n }], rtcp: { cname: `cn${n}` } }, paused: true });

/** A node that answers as recorded; requests are kept for the assertions. */
class RecordedNode {
  server!: WebSocketServer;
  readonly requests: Request[] = [];
  socket: WebSocket | undefined;

  async start(): Promise<string> {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => this.server.once('listening', resolve));
    this.server.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (raw) => this.answer(JSON.parse((raw as Buffer).toString()) as Request, socket));
    });
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private answer(request: Request, socket: WebSocket): void {
    this.requests.push(request);
    const ok = (data: unknown): void => socket.send(JSON.stringify({ id: request.id, ok: true, data }));
    switch (request.method) {
      case 'join':
        return ok({ nodeId: 'node-0', routerRtpCapabilities: {}, producers: [{ producerId: 'p1', peerId: 'bot-7', kind: 'audio' }] });
      case 'createTransport':
        return ok(transport(request.data.direction === 'send' ? 'send' : 'recv'));
      case 'consumeMany':
        return ok({ consumers: (request.data.producerIds as string[]).map((id) => consumer(Number(id.slice(1)))), skipped: [] });
      case 'produce':
        return ok({ producerId: 'mine' });
      default:
        return ok({});
    }
  }

  notify(notification: string, data: object): void {
    this.socket?.send(JSON.stringify({ notification, data }));
  }

  of(method: string): Request[] {
    return this.requests.filter((r) => r.method === method);
  }
}

const offer = 'v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 11:22\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\na=setup:actpass\r\na=rtpmap:111 opus/48000/2\r\na=ssrc:4242 cname:me\r\n';

function recordingParticipant(takesEveryStream: boolean) {
  const calls: string[] = [];
  const streams: RemoteStream[] = [];
  const ended: number[] = [];
  const dropped: string[] = [];
  const offers: string[] = [];
  const participant: Participant = {
    peerId: 'bot-1',
    takesEveryStream,
    publishes: ['audio'],
    receives: ['audio'],
    openConnection(purpose): ParticipantConnection {
      calls.push(`open ${purpose}`);
      return {
        createOffer: async (media: OfferedMedia) => {
          calls.push(`offer ${JSON.stringify(media)}`);
          return offer;
        },
        acceptAnswer: async (answer) => void calls.push(`accept ${/a=setup:(\w+)/.exec(answer)?.[1]}`),
        createAnswer: async (remote) => {
          offers.push(remote);
          calls.push(`answer-to ${remote.match(/a=mid:\S+/g)?.join(',')}`);
          return 'v=0\r\na=fingerprint:sha-256 33:44\r\na=setup:active\r\n';
        },
        applyAnswer: async () => {
          calls.push('apply');
          return '';
        },
        receiving: (stream) => void streams.push(stream),
        ended: (ssrc) => void ended.push(ssrc),
        useIceServers: () => void calls.push('ice-servers'),
        close: () => void calls.push('close'),
      };
    },
    dropped: (reason) => void dropped.push(reason),
  };
  return { participant, calls, streams, ended, dropped, offers };
}

const settle = (): Promise<void> => sleep(50);

describe('rtcstorm adapter on a recorded exchange', () => {
  const node = new RecordedNode();
  let url = '';
  before(async () => (url = await node.start()));
  after(() => {
    for (const client of node.server.clients) client.terminate();
    node.server.close();
  });

  it('publishes from the participant\'s offer, consumes paused and resumes, renegotiates every consumer, and follows producers coming and going', async () => {
    const adapter = createAdapter({ url, options: {}, runTag: 'r' });
    const { participant, calls, streams, ended, dropped, offers } = recordingParticipant(false);
    const session = await adapter.join(participant, { roomId: 'r-room-0', publish: true, timeoutMs: 2000, reach: (u) => u });
    await settle();
    assert.deepEqual(node.of('join')[0]!.data, { roomId: 'r-room-0', peerId: 'bot-1' });
    // The send side: the client role with the offer's fingerprint, then produce() from the offer's lines.
    assert.deepEqual(node.of('connectTransport')[0]!.data, { transportId: 'send', dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: '11:22' }] } });
    const produced = node.of('produce')[0]!.data as { kind: string; rtpParameters: { mid: string; codecs: Array<{ payloadType: number }>; encodings: Array<{ ssrc: number }>; rtcp: { cname: string } } };
    assert.deepEqual([produced.kind, produced.rtpParameters.mid, produced.rtpParameters.codecs[0]!.payloadType, produced.rtpParameters.encodings[0]!.ssrc, produced.rtpParameters.rtcp.cname], ['audio', '0', 111, 4242, 'me']);
    // The receive side: consumed paused, offered, the answer's DTLS parameters sent before it is applied, resumed.
    assert.equal(node.of('consumeMany')[0]!.data.paused, true);
    assert.deepEqual(node.of('connectTransport')[1]!.data, { transportId: 'recv', dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: '33:44' }] } });
    assert.deepEqual(node.of('resumeConsumers')[0]!.data, { consumerIds: ['c1'] });
    assert.deepEqual(streams, [{ ssrc: 1001, peerId: 'bot-7', kind: 'audio' }]);
    assert.match(offers[0]!, /a=ice-lite/);
    // A new producer: consumed, and every consumer offered again (this participant does not take every stream).
    node.notify('newProducer', { producerId: 'p2', peerId: 'bot-9', kind: 'audio' });
    await settle();
    assert.deepEqual(streams.at(-1), { ssrc: 1002, peerId: 'bot-9', kind: 'audio' });
    assert.equal(node.of('connectTransport').length, 2, 'the receive transport is connected once');
    node.notify('producerClosed', { producerId: 'p1' });
    await settle();
    assert.deepEqual(ended, [1001]);
    // Publishing and subscribing run side by side: each connection's own steps are in order.
    assert.deepEqual(calls.filter((c) => /^(open publish|offer|accept)/.test(c)), ['open publish', 'offer {"send":["audio"]}', 'accept passive']);
    assert.deepEqual(calls.filter((c) => /^(open subscribe|answer-to|apply)/.test(c)), ['open subscribe', 'answer-to a=mid:1', 'apply', 'answer-to a=mid:1,a=mid:2', 'apply']);
    node.socket!.close();
    await settle();
    assert.deepEqual(dropped, ['signalling socket closed']);
    await session.leave();
  });

  it('for a participant that takes every stream: consumers unpaused, negotiated once with one m-line', async () => {
    const adapter = createAdapter({ url, options: {}, runTag: 'r' });
    const { participant, calls } = recordingParticipant(true);
    const before = node.requests.length;
    const session = await adapter.join(participant, { roomId: 'r-room-1', publish: false, timeoutMs: 2000, reach: (u) => u });
    node.notify('newProducer', { producerId: 'p3', peerId: 'bot-11', kind: 'audio' });
    await settle();
    const mine = node.requests.slice(before);
    assert.deepEqual(mine.filter((r) => r.method === 'consumeMany').map((r) => r.data.paused), [false, false]);
    assert.equal(mine.filter((r) => r.method === 'resumeConsumers').length, 0);
    assert.deepEqual(calls, ['open subscribe', 'answer-to a=mid:1', 'apply']);
    await session.leave();
  });
});
