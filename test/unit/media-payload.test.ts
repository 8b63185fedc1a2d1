import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { payloadHeaderBytes, readStamp, writeStamp, type PayloadStamp } from '../../bots/media-payload.js';

describe('media payload stamp', () => {
  it('reads a stamp in place inside a packet, exactly, without a view per packet', () => {
    const packet = new Uint8Array(12 + 80 + 10);
    const stamp = { senderId: 0xfedcba98, seq: 4_000_000_123, sentAtMs: 1_790_000_000_123.456 };
    writeStamp(packet.subarray(12, 92), stamp);
    const out: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
    assert.equal(readStamp(packet, out, 12, 92), true);
    assert.deepEqual(out, stamp);
  });

  it('refuses a payload too short for the stamp or without its magic', () => {
    const out: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
    const payload = new Uint8Array(40);
    writeStamp(payload, { senderId: 1, seq: 2, sentAtMs: 3 });
    assert.equal(readStamp(payload, out, 0, payloadHeaderBytes - 1), false);
    assert.equal(readStamp(payload, out, 1, 40), false);
    payload[0] = 0;
    assert.equal(readStamp(payload, out), false);
  });
});
