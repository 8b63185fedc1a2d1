/** werift must not ask a public STUN server, and gathers only a pinned address: rtcstorm's traffic stays on the host. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Connection } from 'werift';
import { networkInterfaces } from 'node:os';
import '../../bots/werift/ice-gathering.js';
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
    const config = peerConfig({ transportId: 't', iceParameters: { usernameFragment: 'u', password: 'p' }, iceCandidates: [{ foundation: 'f', priority: 1, address: '127.0.0.1', protocol: 'udp', port: 40000, type: 'host' }], dtlsParameters: { fingerprints: [] } });
    assert.deepEqual(config.iceInterfaceAddresses, { udp4: '127.0.0.1' });
    const pinned = new Connection(true, { additionalHostAddresses: ['127.0.0.1'], useIpv6: false, interfaceAddresses: config.iceInterfaceAddresses });
    const open = new Connection(true, { additionalHostAddresses: ['127.0.0.1'], useIpv6: false });
    await Promise.all([pinned.gatherCandidates(), open.gatherCandidates()]);
    assert.deepEqual(pinned.localCandidates.map((c) => c.host), ['127.0.0.1']);
    const sockets = (pinned as unknown as { protocols: Array<{ transport: { socket: { address(): { address: string } } } }> }).protocols;
    assert.deepEqual(sockets.map((p) => p.transport.socket.address().address), ['127.0.0.1']);
    // Unpinned, werift gathers every interface: the filter above is what removed the others.
    assert.equal(open.localCandidates.length, 1 + otherAddresses.length);
    await Promise.all([pinned.close(), open.close()]);
  });

  it('leaves a target off loopback to werift\'s own gathering', () => {
    const config = peerConfig({ transportId: 't', iceParameters: { usernameFragment: 'u', password: 'p' }, iceCandidates: [{ foundation: 'f', priority: 1, address: '10.200.0.1', protocol: 'udp', port: 40000, type: 'host' }], dtlsParameters: { fingerprints: [] } });
    assert.equal(config.iceInterfaceAddresses, undefined);
  });
});
