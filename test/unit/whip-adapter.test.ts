/**
 * The WHIP/WHEP adapter's message handling, against an HTTP server on loopback that answers as
 * simple-whip-server (WHIP: 201, relative Location, Link) and janus-whep-server (WHEP: 406 with the
 * server's offer, then PATCH of the answer) did in a recorded exchange, and a participant that
 * records what the adapter asks of it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { OfferedMedia, Participant, ParticipantConnection, RemoteStream } from '../../ports/target-adapter.js';
import { TargetError } from '../../ports/target-adapter.js';
import { createAdapter, endpointUrl } from '../../targets/whip/whip-adapter.js';
import { iceServersOf } from '../../targets/whip/whip-http.js';

interface Seen { method: string; url: string; type: string | undefined; auth: string | undefined; body: string }

const janusAnswer = 'v=0\r\ns=janus-answer\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n';
const janusOffer = (ssrc: number): string => `v=0\r\ns=janus-offer\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\na=ssrc:${ssrc} cname:janus\r\n`;

class RecordedServers {
  server!: Server;
  readonly seen: Seen[] = [];
  base = '';
  reply: (seen: Seen, res: ServerResponse) => void = (_seen, res) => void res.writeHead(500).end();

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const seen = { method: req.method ?? '', url: req.url ?? '', type: req.headers['content-type'], auth: req.headers.authorization, body };
        this.seen.push(seen);
        this.reply(seen, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

function recordingParticipant(peerId: string) {
  const calls: string[] = [];
  const streams: RemoteStream[] = [];
  const dropped: string[] = [];
  let opened = 0;
  const participant: Participant = {
    peerId,
    takesEveryStream: true,
    publishes: ['audio'],
    receives: ['audio'],
    openConnection(purpose): ParticipantConnection {
      const n = opened++;
      calls.push(`open ${purpose} #${n}`);
      return {
        createOffer: async (media: OfferedMedia) => {
          calls.push(`offer #${n} ${JSON.stringify(media)}`);
          return `v=0\r\ns=werift-offer-${n}\r\n`;
        },
        acceptAnswer: async (answer) => void calls.push(`accept #${n} ${answer.includes('janus-answer') ? 'janus-answer' : answer}`),
        createAnswer: async (offer) => {
          calls.push(`answer-to #${n} ${offer.includes('janus-offer') ? 'janus-offer' : offer}`);
          return 'v=0\r\ns=werift-answer\r\n';
        },
        applyAnswer: async () => {
          calls.push(`apply #${n}`);
          return `v=0\r\ns=werift-answer-applied-${n}\r\n`;
        },
        receiving: (stream) => void streams.push(stream),
        ended: () => undefined,
        useIceServers: (servers) => void calls.push(`ice #${n} ${JSON.stringify(servers)}`),
        close: () => void calls.push(`close #${n}`),
      };
    },
    dropped: (reason) => void dropped.push(reason),
  };
  return { participant, calls, streams, dropped };
}

const join = { roomId: 'run1-room-0', timeoutMs: 2000, reach: (url: string) => url };

describe('WHIP/WHEP adapter on a recorded exchange', () => {
  const http = new RecordedServers();
  before(() => http.start());
  after(() => {
    http.server.closeAllConnections();
    http.server.close();
  });

  it('publishes with WHIP (bearer token, Location, Link), subscribes with WHEP (406 server offer, a fresh connection answers, PATCH), DELETEs both on leave; the ICE servers each endpoint names reach the connections', async () => {
    http.seen.length = 0;
    http.reply = (seen, res) => {
      if (seen.method === 'POST' && seen.url.startsWith('/whip/endpoint/')) {
        res.writeHead(201, { 'content-type': 'application/sdp', location: '/whip/resource/run1-room-0-bot-1', link: '<stun:127.0.0.1:3478>; rel="ice-server", <turn:127.0.0.1:3478?transport=udp>; rel="ice-server"; username="u"; credential="p"; credential-type="password"' });
        res.end(janusAnswer);
      } else if (seen.method === 'POST' && seen.url.startsWith('/whep/endpoint/') && seen.url.endsWith('-bot-2')) {
        res.writeHead(406, { 'content-type': 'application/sdp', location: '/whep/resource/abc', link: '<stun:127.0.0.1:3479>; rel="ice-server"' }).end(janusOffer(4242));
      } else if (seen.method === 'PATCH' || seen.method === 'DELETE') res.writeHead(204).end();
      else res.writeHead(404).end('Invalid endpoint ID');
    };
    const adapter = createAdapter({ url: `${http.base}/whip/endpoint/{room}-{peer}`, runTag: 'run1', options: { subscribe: `${http.base}/whep/endpoint/{room}-{peer}`, token: 'secret', publishers: { 'run1-room-0': ['bot-1', 'bot-2'], 'run1-room-1': ['bot-2'] } } });
    const whipServers = 'ice #0 [{"urls":"stun:127.0.0.1:3478"},{"urls":"turn:127.0.0.1:3478?transport=udp","username":"u","credential":"p"}]';
    const whepServers = '[{"urls":"stun:127.0.0.1:3479"}]';
    const p = recordingParticipant('bot-1');
    const session = await adapter.join(p.participant, { ...join, publish: true });
    assert.deepEqual(p.calls, [
      'open publish #0',
      'offer #0 {"send":["audio"]}',
      // WHIP names its ICE servers in the answer, after the offer: the connection is told (and reports them unused).
      whipServers,
      'accept #0 janus-answer',
      'open subscribe #1',
      'offer #1 {"receive":["audio"]}',
      // The offering connection cannot take the server's offer: closed, and a fresh one answers,
      // told the WHEP endpoint's ICE servers before it takes the offer (and gathers).
      'close #1',
      'open subscribe #2',
      `ice #2 ${whepServers}`,
      'answer-to #2 janus-offer',
      'apply #2',
    ]);
    assert.deepEqual(p.streams, [{ ssrc: 4242, peerId: 'bot-2', kind: 'audio' }]);
    assert.deepEqual(http.seen.map((s) => `${s.method} ${s.url} ${s.type ?? '-'} ${s.auth ?? '-'}`), [
      'POST /whip/endpoint/run1-room-0-bot-1 application/sdp Bearer secret',
      'POST /whep/endpoint/run1-room-0-bot-2 application/sdp Bearer secret',
      'PATCH /whep/resource/abc application/sdp Bearer secret',
    ]);
    assert.equal(http.seen[2]!.body, 'v=0\r\ns=werift-answer-applied-2\r\n');
    await session.leave();
    assert.deepEqual(http.seen.slice(3).map((s) => `${s.method} ${s.url}`).sort(), ['DELETE /whep/resource/abc', 'DELETE /whip/resource/run1-room-0-bot-1']);
    await session.leave();
    assert.equal(http.seen.length, 5, 'leave is idempotent');
    // A later subscription in the same process skips the wasted connection: the body the server ignores is reused.
    http.seen.length = 0;
    const q = recordingParticipant('bot-3');
    const listener = await adapter.join(q.participant, { ...join, roomId: 'run1-room-1', publish: false });
    // Known ICE servers go to a new connection as it opens; the same ones in the reply are not told twice.
    assert.deepEqual(q.calls, ['open subscribe #0', `ice #0 ${whepServers}`, 'answer-to #0 janus-offer', 'apply #0']);
    assert.equal(http.seen[0]!.body, 'v=0\r\ns=werift-offer-1\r\n');
    await listener.leave();
    // A publisher's next connection (a rejoin) starts with the servers WHIP named, before it offers.
    const again = recordingParticipant('bot-1');
    const rejoined = await adapter.join(again.participant, { ...join, roomId: 'run1-room-2', publish: true });
    assert.deepEqual(again.calls.slice(0, 4), ['open publish #0', whipServers, 'offer #0 {"send":["audio"]}', 'accept #0 janus-answer']);
    await rejoined.leave();
    await adapter.close();
  });

  it('a publisher not there yet (404) is asked for again until it is; a 201 answer goes to the offering connection', async () => {
    http.seen.length = 0;
    let tries = 0;
    http.reply = (seen, res) => {
      if (seen.method === 'POST' && seen.url === '/whep/endpoint/run1-room-0-bot-9' && ++tries >= 3) {
        res.writeHead(201, { 'content-type': 'application/sdp', location: 'http://127.0.0.1:1/elsewhere/x' }).end(janusOffer(77).replace('janus-offer', 'janus-answer'));
      } else if (seen.method === 'DELETE') res.writeHead(204).end();
      else res.writeHead(404).end('Invalid endpoint ID');
    };
    const adapter = createAdapter({ url: `${http.base}/whip/{room}/{peer}`, runTag: 'run1', options: { subscribe: `${http.base}/whep/endpoint/{room}-{peer}`, publishers: { 'run1-room-0': ['bot-9'] }, retryMs: 20 } });
    const p = recordingParticipant('bot-5');
    const session = await adapter.join(p.participant, { ...join, publish: false });
    // The join does not wait for a publisher that is not there yet.
    assert.ok(tries <= 1, `tries at join ${tries}`);
    await sleep(200);
    assert.equal(tries, 3);
    assert.deepEqual(p.streams, [{ ssrc: 77, peerId: 'bot-9', kind: 'audio' }]);
    assert.ok(p.calls.includes('accept #2 janus-answer'), p.calls.join('; '));
    assert.equal(http.seen.every((s) => s.auth === undefined), true, 'no token, no Authorization header');
    await session.leave();
    assert.deepEqual(p.dropped, []);
  });

  it('a refusal (403 Unauthorized) fails the join with the server\'s status and text', async () => {
    http.reply = (_seen, res) => void res.writeHead(403).end('Unauthorized');
    const adapter = createAdapter({ url: `${http.base}/whip/endpoint/{room}-{peer}`, runTag: 'run1', options: { subscribe: `${http.base}/whep/{peer}`, token: 'wrong' } });
    const p = recordingParticipant('bot-1');
    await assert.rejects(adapter.join(p.participant, { ...join, publish: true }), (error: unknown) => error instanceof TargetError && error.code === 403 && /HTTP 403 Unauthorized/.test(error.message));
    assert.ok(p.calls.includes('close #0'), 'the connection it opened is closed');
  });

  it('a server that is not there fails the join naming the request and the cause', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const adapter = createAdapter({ url: `http://127.0.0.1:${port}/whip/{room}-{peer}`, runTag: 'run1', options: { subscribe: `http://127.0.0.1:${port}/whep/{peer}` } });
    await assert.rejects(adapter.join(recordingParticipant('bot-1').participant, { ...join, publish: true }), new RegExp(`^UnreachableError: POST http://127\\.0\\.0\\.1:${port}/whip/run1-room-0-bot-1: ECONNREFUSED$`));
  });

  it('endpoint templates and Link headers', () => {
    assert.equal(endpointUrl('http://h/whip/{room}/{peer}', 'r 1', 'bot-2'), 'http://h/whip/r%201/bot-2');
    assert.deepEqual(iceServersOf('<stun:127.0.0.1:3478>; rel="ice-server", <turn:127.0.0.1:3478?transport=udp>; rel="ice-server"; username="u"; credential="p"; credential-type="password", <https://x/>; rel="next"'), [
      { urls: 'stun:127.0.0.1:3478' },
      { urls: 'turn:127.0.0.1:3478?transport=udp', username: 'u', credential: 'p' },
    ]);
    assert.deepEqual(iceServersOf(null), []);
    assert.throws(() => createAdapter({ url: 'http://h/{peer}', runTag: 'r', options: {} }), /option subscribe must be a non-empty string/);
  });
});
