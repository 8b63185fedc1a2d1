/**
 * The video bots' VP8 path, before it is on the wire: real libvpx frames (the set-up's clips),
 * packetized as RFC 7741 has it, read back by werift's own VP8 depacketizer, reassembled and decoded
 * by libvpx's vpxdec: padded to the frame-size model's sizes, the pictures are the clip's, bit for bit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Vp8RtpPayload } from 'werift';
import { seededRandom } from '../../core/plan/random.js';
import { clipFrames, clipLadder, videoClip } from '../../bots/video/clips.js';
import { FrameSizeModel } from '../../bots/video/frame-size-model.js';
import { writeIvf, type IvfFile } from '../../bots/video/ivf.js';
import { originalOfRtx, rtxPayload } from '../../bots/video/rtx.js';
import { SendHistory } from '../../bots/video/send-history.js';
import { readVp8FrameHeader } from '../../bots/video/vp8-frame.js';
import { readVp8Descriptor, vp8DescriptorBytes, vp8Payloads } from '../../bots/video/vp8-packetizer.js';
import { simulcastLadder } from '../../bots/video/simulcast.js';
import { VideoSender } from '../../bots/video/video-sender.js';

const maxPayloadBytes = 1200;

/** What vpxdec shows of an IVF file: the decoded I420 pictures' hash and how many there were. */
function decode(ivf: Buffer, dir: string, name: string): { sha: string; frames: number } {
  const input = join(dir, `${name}.ivf`);
  const output = join(dir, `${name}.yuv`);
  writeFileSync(input, ivf);
  const run = spawnSync('vpxdec', ['--summary', '--rawvideo', '-o', output, input], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`vpxdec failed: ${run.stderr}`);
  const frames = Number(/(\d+) decoded frames/.exec(run.stderr + run.stdout)?.[1]);
  const sha = createHash('sha256').update(readFileSync(output)).digest('hex');
  rmSync(output);
  return { sha, frames };
}

describe('VP8 clips, packetized and decoded', () => {
  let dir = '';
  let clip: IvfFile;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtcstorm-vp8-'));
    clip = videoClip(clipLadder[0].width, clipLadder[0].height);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every clip of the ladder is libvpx VP8 of its size, a keyframe then delta frames', () => {
    for (const { width, height } of clipLadder) {
      const c = videoClip(width, height);
      assert.equal(c.fourcc, 'VP80');
      assert.equal(c.frames.length, clipFrames);
      assert.deepEqual(readVp8FrameHeader(c.frames[0]!), { keyframe: true, firstPartitionBytes: readVp8FrameHeader(c.frames[0]!).firstPartitionBytes, width, height });
      assert.ok(c.frames.slice(1).every((f) => !readVp8FrameHeader(f).keyframe), `${width}x${height}: one keyframe`);
    }
  });

  it('packets carry RFC 7741 descriptors werift reads: picture id, S bit, keyframe bit', () => {
    const model = new FrameSizeModel({ bitrateKbps: 800, fps: 15, random: seededRandom(7) });
    let packets = 0;
    clip.frames.slice(0, 40).forEach((frame, index) => {
      const picture = { pictureId: (32760 + index) & 0x7fff, tl0PicIdx: (250 + index) & 0xff };
      const payloads = vp8Payloads(frame, model.next(index === 0), maxPayloadBytes, picture);
      payloads.forEach((payload, k) => {
        packets++;
        assert.ok(payload.length <= maxPayloadBytes);
        const theirs = Vp8RtpPayload.deSerialize(payload);
        const ours = readVp8Descriptor(payload);
        assert.equal(theirs.xBit, 1);
        assert.equal(theirs.iBit, 1);
        assert.equal(theirs.mBit, 1);
        assert.equal(theirs.pictureId, picture.pictureId);
        assert.equal(theirs.sBit, k === 0 ? 1 : 0);
        assert.equal(theirs.pid, 0);
        assert.equal(theirs.isKeyframe, index === 0 && k === 0, `frame ${index} packet ${k}`);
        assert.deepEqual(theirs.payload, payload.subarray(vp8DescriptorBytes));
        assert.equal(ours.headerBytes, vp8DescriptorBytes);
        assert.equal(ours.pictureId, picture.pictureId);
        assert.equal(ours.tl0PicIdx, picture.tl0PicIdx);
        assert.equal(ours.temporalLayer, 0);
        assert.equal(ours.startsFrame, k === 0);
        assert.equal(ours.keyframe, index === 0 && k === 0);
      });
    });
    assert.ok(packets > 40, 'frames were split into packets');
  });

  it('reassembled from packets padded to the model, vpxdec shows the clip\'s pictures bit for bit', () => {
    const model = new FrameSizeModel({ bitrateKbps: 1000, fps: 15, random: seededRandom(3) });
    let padding = 0;
    const sent = clip.frames.map((frame, index) => {
      const payloads = vp8Payloads(frame, model.next(index === 0), maxPayloadBytes, { pictureId: index, tl0PicIdx: index });
      const bytes = Buffer.concat(payloads.map((p) => p.subarray(readVp8Descriptor(p).headerBytes)));
      padding += bytes.length - frame.length;
      return bytes;
    });
    assert.ok(padding > clip.frames.reduce((n, f) => n + f.length, 0), 'most bytes sent are the model\'s padding');
    const original = decode(writeIvf(clip.frames, clip.width, clip.height, 15), dir, 'original');
    const received = decode(writeIvf(sent, clip.width, clip.height, 15), dir, 'received');
    assert.equal(original.frames, clipFrames);
    assert.equal(received.frames, clipFrames);
    assert.equal(received.sha, original.sha);
  });

  it('a packet cut from a frame leaves libvpx a frame it cannot show as sent', () => {
    const cut = clip.frames.map((frame, index) => (index === 1 ? frame.subarray(0, Math.floor(frame.length / 2)) : frame));
    const original = decode(writeIvf(clip.frames, clip.width, clip.height, 15), dir, 'whole');
    let damaged: { sha: string; frames: number } | null = null;
    try {
      damaged = decode(writeIvf(cut, clip.width, clip.height, 15), dir, 'cut');
    } catch {
      // vpxdec refusing the frame is as good: the damage is seen.
    }
    assert.notEqual(damaged?.sha, original.sha);
  });
});

describe('frame-size model', () => {
  it('delta frames average the target bitrate, a keyframe is several times larger and is paid back, seeded', () => {
    const sizes = (seed: number): number[] => {
      const model = new FrameSizeModel({ bitrateKbps: 600, fps: 30, random: seededRandom(seed) });
      return Array.from({ length: 300 }, (_, i) => model.next(i === 0));
    };
    const a = sizes(1);
    assert.deepEqual(sizes(1), a, 'same seed, same sizes');
    assert.notDeepEqual(sizes(2), a);
    const kbps = (a.reduce((n, s) => n + s, 0) * 8) / 10 / 1000;
    assert.ok(Math.abs(kbps - 600) / 600 < 0.05, `10 s averaged ${kbps.toFixed(0)} kbps`);
    const mean = 600_000 / 8 / 30;
    assert.ok(a[0]! > 4 * mean, 'keyframe several times a mean frame');
    assert.ok(a.slice(1, 10).every((s) => s < mean * 1.1), 'frames after a keyframe are smaller');
  });

  it('follows a new target', () => {
    const model = new FrameSizeModel({ bitrateKbps: 1000, fps: 20, random: seededRandom(4) });
    for (let i = 0; i < 40; i++) model.next(i === 0);
    model.setBitrate(200);
    const after = Array.from({ length: 100 }, () => model.next(false));
    const kbps = (after.reduce((n, s) => n + s, 0) * 8) / 5 / 1000;
    assert.ok(Math.abs(kbps - 200) / 200 < 0.08, `${kbps.toFixed(0)} kbps after the change`);
  });
});

describe('retransmission', () => {
  it('an RTX payload is the original sequence number then the payload (RFC 4588)', () => {
    const payload = Buffer.from([1, 2, 3, 4]);
    const rtx = rtxPayload(65535, payload);
    assert.deepEqual([...rtx.subarray(0, 2)], [0xff, 0xff]);
    assert.deepEqual(originalOfRtx(rtx), { seq: 65535, payload });
  });

  it('the send history resends a recent packet once per gap, never an old or overwritten one', () => {
    const history = new SendHistory(4, 1000, 100);
    for (let seq = 10; seq < 15; seq++) history.slot(seq, seq * 3000, false, 1, 0)[0] = seq;
    assert.equal(history.resend(10, 50), null, 'overwritten by seq 14');
    assert.equal(history.resend(12, 50)?.payload[0], 12);
    assert.equal(history.resend(12, 100), null, 'resent 50 ms ago');
    assert.equal(history.resend(12, 150)?.seq, 12);
    assert.equal(history.resend(13, 1001), null, 'older than a second');
  });

  it('the send history keeps a frame whole across the sequence-number wrap and grows for a frame larger than itself', () => {
    // 85 slots asked for: with slots by seq % 85, seqs 65535 and 0 would share one.
    const history = new SendHistory(85, 1000, 100, 8);
    const seqs = [65533, 65534, 65535, 0, 1, 2];
    const views = seqs.map((seq) => history.slot(seq, 1, false, 1, 0).fill(seq & 0xff));
    assert.deepEqual(views.map((v) => v[0]), seqs.map((seq) => seq & 0xff));
    assert.deepEqual(seqs.map((seq) => history.resend(seq, 10)?.payload[0]), seqs.map((seq) => seq & 0xff));

    const small = new SendHistory(4, 1000, 100, 8);
    small.slot(7, 1, true, 1, 0)[0] = 7;
    small.reserve(10);
    const frame = Array.from({ length: 10 }, (_, i) => small.slot(8 + i, 2, i === 9, 1, 0).fill(8 + i));
    assert.deepEqual(frame.map((v) => v[0]), Array.from({ length: 10 }, (_, i) => 8 + i), 'no packet of the frame overwrote another');
    assert.equal(small.resend(7, 10)?.payload[0], 7, 'what it held before it grew');
  });

  it('a keyframe at 1 fps, larger than two seconds of packets, goes out whole', () => {
    const layers = simulcastLadder(640, 360, 1000, 1);
    const sender = new VideoSender({ senderId: 1, layers, fps: 1, keyframeIntervalMs: null, ssrcs: [1], rtxSsrcs: [2], maxPayloadBytes, random: () => 0.9999, clip: videoClip, clockMs: () => 0 });
    const packets = sender.frame(0);
    assert.ok(packets.length > 300, `a keyframe of ${packets.length} packets`);
    assert.ok(packets.some((p) => p.seq === 0) && packets[0]!.seq > 60000, 'it crosses the sequence-number wrap');
    assert.deepEqual(packets.map((p) => readVp8Descriptor(p.payload).startsFrame), packets.map((_, i) => i === 0));
    const bytes = Buffer.concat(packets.map((p) => p.payload.subarray(vp8DescriptorBytes)));
    const keyframe = videoClip(640, 360).frames[0]!;
    assert.ok(bytes.subarray(0, keyframe.length).equals(keyframe), 'the frame\'s bytes are the clip\'s keyframe');
  });
});
