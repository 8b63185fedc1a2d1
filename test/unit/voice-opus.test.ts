/** The bots' voice on the wire: real libopus frames, the stamp in Opus padding, every packet decodable. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decoder, Encoder } from '@evan/opus';
import { seededRandom } from '../../core/plan/random.js';
import { payloadBytes, type PayloadStamp } from '../../bots/media-payload.js';
import { opusStampOverhead, readOpusStamp, writeStampedOpus } from '../../bots/opus-stamp.js';
import { TalkModel } from '../../bots/talk-model.js';
import { fillerClip, voiceClip } from '../../bots/voice/voice-clip.js';
import { VoiceSource } from '../../bots/voice/voice-source.js';

const newDecoder = (): Decoder => new Decoder({ channels: 1, sample_rate: 48000 });

describe('bots\' Opus voice', () => {
  for (const [bitrateKbps, ptimeMs] of [[32, 20], [16, 20], [64, 10], [24, 60]] as const) {
    it(`every packet a P.59 talker with DTX sends decodes with libopus and carries its stamp (${bitrateKbps} kb/s, ${ptimeMs} ms)`, () => {
      const source = new VoiceSource(voiceClip(bitrateKbps, ptimeMs), 3);
      const talk = new TalkModel({ model: 'p59', dtx: true }, seededRandom(5));
      const decoder = newDecoder();
      const out: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
      const sizes = { speech: [] as number[], 'comfort-noise': [] as number[] };
      let seq = 0;
      for (let t = 0; t < 60_000; t += ptimeMs) {
        const kind = talk.next(t);
        if (kind === 'none') continue;
        const frame = source.next(kind);
        const payload = new Uint8Array(frame.stampedBytes);
        assert.equal(writeStampedOpus(frame.bytes, { senderId: 9, seq, sentAtMs: t }, payload, frame.extraPadding), payload.length);
        const pcm = decoder.decode(payload);
        assert.equal(pcm.length, (2 * 48000 * ptimeMs) / 1000, `packet ${seq} decodes to ${ptimeMs} ms`);
        assert.ok(readOpusStamp(payload, out));
        assert.deepEqual(out, { senderId: 9, seq, sentAtMs: t });
        sizes[kind].push(payload.length);
        seq++;
      }
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      // Sizes follow the content, as a real encoder's do: speech varies around the bitrate, DTX updates are small.
      const speech = sizes.speech;
      assert.ok(speech.length > (0.3 * 60_000) / ptimeMs && Math.max(...speech) - Math.min(...speech) > 10, `speech sizes ${Math.min(...speech)}-${Math.max(...speech)}`);
      assert.ok(mean(speech) < payloadBytes(bitrateKbps, ptimeMs) + 20, `mean speech packet ${mean(speech).toFixed(1)} B`);
      assert.ok(sizes['comfort-noise'].length > 50 && mean(sizes['comfort-noise']) < mean(speech), `comfort noise ${mean(sizes['comfort-noise']).toFixed(1)} B`);
    });
  }

  it('stamps every Opus framing (codes 0-3, with and without padding) so it decodes to the same audio', () => {
    const encoder = new Encoder({ channels: 1, sample_rate: 48000, application: 'audio' });
    encoder.bitrate = 64000;
    const tone = new Int16Array(2880).map((_, i) => Math.round(8000 * Math.sin(i / 7)));
    const packets: Uint8Array[] = [encoder.encode(tone.subarray(0, 960)).slice(), encoder.encode(tone).slice()];
    const code0 = packets[0]!;
    assert.equal(code0[0]! & 3, 0);
    // Two and three frames of the same 20 ms, made by hand (RFC 6716 §3.2): code 1 (equal sizes), code 2 (sizes differ), code 3 VBR with padding.
    const frame = code0.subarray(1);
    const toc = code0[0]! & 0xfc;
    packets.push(Uint8Array.of(toc | 1, ...frame, ...frame));
    packets.push(Uint8Array.of(toc | 2, frame.length, ...frame, ...frame.subarray(0, frame.length - 1)));
    packets.push(Uint8Array.of(toc | 3, 0xc0 | 2, 3, frame.length, ...frame, ...frame, 0, 0, 0));
    const out: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
    for (const [i, packet] of packets.entries()) {
      for (const extra of [0, 300]) {
        const stamped = new Uint8Array(packet.length + opusStampOverhead(packet, extra));
        writeStampedOpus(packet, { senderId: i, seq: extra, sentAtMs: 1.5 }, stamped, extra);
        assert.equal(stamped[0]! & 3, 3);
        assert.deepEqual(newDecoder().decode(stamped), newDecoder().decode(packet), `packet ${i} (code ${packet[0]! & 3}), ${extra} more padding`);
        assert.ok(readOpusStamp(stamped, out));
        assert.deepEqual(out, { senderId: i, seq: extra, sentAtMs: 1.5 });
      }
    }
  });

  it('filler packets are valid Opus of the bitrate\'s size', () => {
    const clip = fillerClip(32, 20);
    const [speech, pause] = [clip.speech[0]!, clip.comfortNoise[0]!];
    assert.equal(speech.stampedBytes, payloadBytes(32, 20));
    for (const frame of [speech, pause]) {
      const payload = new Uint8Array(frame.stampedBytes);
      writeStampedOpus(frame.bytes, { senderId: 1, seq: 2, sentAtMs: 3 }, payload, frame.extraPadding);
      assert.equal(newDecoder().decode(payload).length, 1920);
      assert.ok(readOpusStamp(payload, { senderId: 0, seq: 0, sentAtMs: 0 }));
    }
  });

  it('finds no stamp where there is none', () => {
    const out: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
    const frame = voiceClip(32, 20).speech[0]!.bytes;
    assert.equal(readOpusStamp(frame, out), false);
    assert.equal(readOpusStamp(new Uint8Array(40), out), false);
  });
});
