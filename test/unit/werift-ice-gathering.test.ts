/**
 * werift must not ask a public STUN server, and gathers only a pinned address: rtcstorm's traffic
 * stays on the host. The ICE servers a target names are asked, when the connection can still take them.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { describe, it } from 'node:test';
import { classes, Connection, Message, methods, parseMessage, RTCPeerConnection } from 'werift';
import { networkInterfaces } from 'node:os';
import type { IceServerUse } from '../../bots/ice-servers.js';
import { peerConfig } from '../../bots/werift/peer-config.js';
import { WeriftConnection } from '../../bots/werift/werift-connection.js';
import { directRoute } from '../../ports/media-route.js';

/** A STUN server on loopback that answers Binding requests and counts them. */
async function stunServer(): Promise<{ socket: Socket; url: string; requests: () => number }> {
  const socket = createSocket('udp4');
  let requests = 0;
  socket.on('message', (data, rinfo) => {
    const request = parseMessage(data);
    if (request?.messageMethod !== methods.BINDING || request.messageClass !== classes.REQUEST) return;
    requests++;
    const response = new Message(methods.BINDING, classes.RESPONSE, request.transactionId).setAttribute('XOR-MAPPED-ADDRESS', [rinfo.address, rinfo.port]);
    socket.send(response.bytes, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, url: `stun:127.0.0.1:${socket.address().port}`, requests: () => requests };
}

describe('werift ICE gathering', () => {
  it('has a public STUN fallback that the patch removes before gathering', async () => {
    const connection = new Connection(true, { additionalHostAddresses: ['127.0.0.1'], useIpv6: false });
    // Stock werift: no STUN server configured still means stun.l.google.com.
    assert.deepEqual(connection.stunServer, ['stun.l.google.com', 19302]);
    await connection.gatherCandidates();
    assert.equal(connection.stunServer, undefined);
    assert.ok(connection.localCandidates.length > 0);
    assert.deepEqual([...new Set(connection.localCandidates.map((c) => c.type))], ['host']);
    assert.ok(connection.localCandidates.some((c) => c.host === '127.0.0.1'));
    await connection.close();
  });

  it('gathers only 127.0.0.1, on a socket bound to it, for a loopback target', async () => {
    const otherAddresses = Object.values(networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal);
    /** The host candidates a peer connection offers, and the addresses its sockets are bound to. */
    const gathered = async (loopbackOnly: boolean) => {
      const pc = new RTCPeerConnection(peerConfig(loopbackOnly));
      pc.addTransceiver('audio', { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const candidates = [...(pc.localDescription?.sdp ?? '').matchAll(/^a=candidate:\S+ 1 udp \d+ (\S+) \d+ typ host/gm)].map((m) => m[1]);
      const [ice] = pc.iceTransports;
      const protocols = (ice as unknown as { connection: { protocols: Array<{ transport: { socket: { address(): { address: string } } } }> } }).connection.protocols;
      const bound = protocols.map((p) => p.transport.socket.address().address);
      await pc.close();
      return { candidates, bound };
    };
    assert.deepEqual(await gathered(true), { candidates: ['127.0.0.1'], bound: ['127.0.0.1'] });
    // Off loopback werift gathers every interface: the config above is what leaves the others out.
    const open = await gathered(false);
    assert.equal(open.candidates.length, 1 + otherAddresses.length);
    assert.ok(open.bound.every((address) => address === '0.0.0.0'));
  });

  it('leaves a target off loopback to werift\'s own gathering', () => {
    const config = peerConfig(false);
    assert.equal(config.iceInterfaceAddresses, undefined);
    assert.equal(config.iceUseIpv4, undefined);
  });

  it('a bot connection gathers with the STUN server a target names before it offers; later, or a TURN or off-host server, is reported unused', async () => {
    const stun = await stunServer();
    const uses: IceServerUse[] = [];
    const open = () => new WeriftConnection(true, directRoute, 'bot-1', { onStream: () => undefined, onEnded: () => undefined, onIceServers: (use) => void uses.push(use) }, { onHost: true, noTurn: 'no relay on this path' }, 'publish');
    const early = open();
    early.useIceServers([{ urls: stun.url }, { urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'p' }, { urls: 'stun:stun.example.org:3478' }]);
    const offer = await early.createOffer({ send: ['audio'] });
    assert.ok(stun.requests() >= 1, 'the STUN server was asked while gathering');
    assert.match(offer, /typ srflx/);
    assert.deepEqual(uses.map((u) => [u.ok, u.detail]), [[false, `ICE servers the target named for a publish connection: ${stun.url}: used; turn:127.0.0.1:3478: not used, no relay on this path; stun:stun.example.org:3478: not used, not on loopback while the target is (target.allowNonLoopback lets participants leave the host)`]]);
    // Offered already: werift's ICE agent keeps what it was made with.
    const late = open();
    await late.createOffer({ send: ['audio'] });
    const asked = stun.requests();
    late.useIceServers([{ urls: stun.url }]);
    assert.deepEqual(uses.slice(1).map((u) => [u.ok, u.detail]), [[false, `ICE servers the target named for a publish connection: ${stun.url}: not used, the connection had gathered its candidates before the target named them`]]);
    assert.equal(stun.requests(), asked);
    early.close();
    late.close();
    stun.socket.close();
  });
});
