/** werift must not ask a public STUN server, and gathers only a pinned address: rtcstorm's traffic stays on the host. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Connection, RTCPeerConnection } from 'werift';
import { networkInterfaces } from 'node:os';
import { peerConfig } from '../../bots/werift/peer-config.js';

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
});
