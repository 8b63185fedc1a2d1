/** werift must not ask a public STUN server: rtcstorm's traffic stays on the host. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Connection } from 'werift';
import '../../bots/werift/no-public-stun.js';

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
});
