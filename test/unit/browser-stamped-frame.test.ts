import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decoder } from '@evan/opus';
import { payloadHeaderBytes, writeStamp, type PayloadStamp } from '../../bots/media-payload.js';
import { readFrameStamp, stampFrame } from '../../bots/browser/stamped-frame.js';
import { voiceClip } from '../../bots/voice/voice-clip.js';

const stamp: PayloadStamp = { senderId: 7, seq: 123456, sentAtMs: 1_700_000_000_123.25 };

function read(): PayloadStamp {
  return { senderId: 0, seq: 0, sentAtMs: 0 };
}

describe('stamped browser frames', () => {
  it('a stamped Opus frame gives back its stamp and still decodes to the same audio', () => {
    const frame = voiceClip(32, 20).speech[40]!.bytes;
    const stamped = stampFrame(frame.slice().buffer, stamp);
    const out = read();
    assert.equal(readFrameStamp(stamped, out), true);
    assert.deepEqual(out, stamp);
    // Decoder state matters: each of two fresh decoders sees one form of the same first packet.
    assert.deepEqual(new Decoder({ channels: 1, sample_rate: 48000 }).decode(new Uint8Array(stamped)), new Decoder({ channels: 1, sample_rate: 48000 }).decode(frame));
  });

  it('ends the frame with the stamp, where werift bots read it', () => {
    const frame = voiceClip(32, 20).speech[3]!.bytes;
    const stamped = new Uint8Array(stampFrame(frame.slice().buffer, stamp));
    const expected = new Uint8Array(payloadHeaderBytes);
    writeStamp(expected, stamp);
    assert.deepEqual(stamped.subarray(stamped.length - payloadHeaderBytes), expected);
  });

  it('finds no stamp in frames without one', () => {
    const frame = voiceClip(32, 20).speech[5]!.bytes;
    assert.equal(readFrameStamp(frame.slice().buffer, read()), false);
    assert.equal(readFrameStamp(new ArrayBuffer(payloadHeaderBytes + 3), read()), false);
  });
});
