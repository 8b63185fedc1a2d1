import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { payloadBytes, payloadHeaderBytes, writeStamp, type PayloadStamp } from '../../bots/media-payload.js';
import { opusSilence, stampFrame, unstampFrame } from '../../bots/browser/stamped-frame.js';

const stamp: PayloadStamp = { senderId: 7, seq: 123456, sentAtMs: 1_700_000_000_123.25 };
const opusFrame = Uint8Array.of(0x78, 0x01, 0x02, 0x03, 0x04);

function read(): PayloadStamp {
  return { senderId: 0, seq: 0, sentAtMs: 0 };
}

describe('stamped browser frames', () => {
  it('a stamped Opus frame gives back its stamp and the frame itself', () => {
    const out = read();
    const decodable = unstampFrame(stampFrame(opusFrame.slice().buffer, stamp), out);
    assert.deepEqual(out, stamp);
    assert.deepEqual(new Uint8Array(decodable!), opusFrame);
  });

  it('puts the stamp at offset 0, where werift bots read it', () => {
    const stamped = new Uint8Array(stampFrame(opusFrame.slice().buffer, stamp));
    const botPayload = new Uint8Array(payloadHeaderBytes);
    writeStamp(botPayload, stamp);
    assert.deepEqual(stamped.subarray(0, payloadHeaderBytes), botPayload);
    assert.equal(stamped.length, payloadHeaderBytes + opusFrame.length);
  });

  it("replaces a werift bot's zero filler with valid Opus silence", () => {
    const botPayload = new Uint8Array(payloadBytes(32, 20));
    writeStamp(botPayload, stamp);
    const out = read();
    assert.deepEqual(new Uint8Array(unstampFrame(botPayload.buffer, out)!), opusSilence);
    assert.deepEqual(out, stamp);
  });

  it('leaves frames without a stamp alone', () => {
    assert.equal(unstampFrame(opusFrame.slice().buffer, read()), undefined);
    assert.equal(unstampFrame(new ArrayBuffer(payloadHeaderBytes + 3), read()), undefined);
  });
});
