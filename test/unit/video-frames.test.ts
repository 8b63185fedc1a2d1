/** The receiver's side of VP8: frames from packets, the decodable chain, keyframe requests and Chromium's freeze rule. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameAssembler, type ShownFrame } from '../../bots/video/frame-assembler.js';
import { MinInterval, NackRequester } from '../../bots/video/nack-requester.js';
import { VideoReceiver } from '../../bots/video/video-receiver.js';
import { vp8Payloads } from '../../bots/video/vp8-packetizer.js';

interface Packet { seq: number; timestamp: number; marker: boolean; payload: Buffer }

/** Frames of `packetsPerFrame` packets each, from `firstSeq`; frame k is a keyframe when `keyframes` has k. */
function stream(frames: number, packetsPerFrame: number, firstSeq: number, keyframes: ReadonlySet<number>): Packet[][] {
  let seq = firstSeq;
  return Array.from({ length: frames }, (_, k) => {
    const frame = Buffer.alloc(packetsPerFrame * 100, 0x55);
    frame[0] = keyframes.has(k) ? 0x10 : 0x11;
    return vp8Payloads(frame, frame.length, 100 + 6, { pictureId: k, tl0PicIdx: k }).map((payload, i, all) => ({ seq: seq++ & 0xffff, timestamp: k * 6000, marker: i === all.length - 1, payload }));
  });
}

function receiver(waitMs = 300): { assembler: FrameAssembler; shown: ShownFrame[]; wanted: Array<{ atMs: number; reason: string }>; now: { ms: number } } {
  const shown: ShownFrame[] = [];
  const wanted: Array<{ atMs: number; reason: string }> = [];
  const now = { ms: 0 };
  const assembler = new FrameAssembler({ shown: (f) => shown.push(f), keyframeWanted: (reason) => wanted.push({ atMs: now.ms, reason }) }, waitMs);
  return { assembler, shown, wanted, now };
}

const deliver = (r: ReturnType<typeof receiver>, packets: readonly Packet[], atMs: number): void => {
  r.now.ms = atMs;
  for (const p of packets) r.assembler.packet(p.seq, p.timestamp, p.marker, p.payload, atMs);
};

describe('frame assembler', () => {
  it('shows every frame of a clean stream, in order, across the sequence-number wrap', () => {
    const r = receiver();
    stream(20, 3, 65530, new Set([0])).forEach((frame, k) => deliver(r, frame, k * 66));
    assert.equal(r.shown.length, 20);
    assert.deepEqual(r.shown.map((f) => f.timestamp), [...Array(20).keys()].map((k) => k * 6000));
    assert.equal(r.shown[0]!.keyframe, true);
    assert.equal(r.shown[1]!.bytes, 300);
    assert.deepEqual(r.wanted, []);
  });

  it('a lost packet repaired in time (NACK, RTX) keeps the chain; frames behind it wait and are shown in order', () => {
    const r = receiver();
    const frames = stream(6, 3, 100, new Set([0]));
    const lost = frames[2]![1]!;
    frames.forEach((frame, k) => deliver(r, k === 2 ? frame.filter((p) => p !== lost) : frame, k * 66));
    assert.equal(r.shown.length, 2, 'frames 3-5 wait behind frame 2');
    deliver(r, [lost], 400);
    assert.deepEqual(r.shown.map((f) => f.timestamp / 6000), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(r.wanted, []);
  });

  it('a packet never repaired breaks the chain: a keyframe is asked for after the wait, again while none comes, and one restarts the chain', () => {
    const r = receiver(300);
    const frames = stream(12, 2, 0, new Set([0, 10]));
    frames.slice(0, 6).forEach((frame, k) => deliver(r, k === 3 ? frame.slice(1) : frame, k * 66));
    assert.equal(r.shown.length, 3);
    r.now.ms = 3 * 66 + 299;
    r.assembler.tick(r.now.ms);
    assert.equal(r.wanted.length, 0, 'not before the wait');
    r.now.ms = 3 * 66 + 300;
    r.assembler.tick(r.now.ms);
    assert.equal(r.wanted.length, 1);
    assert.match(r.wanted[0]!.reason, /did not complete within 300 ms/);
    r.now.ms += 299;
    r.assembler.tick(r.now.ms);
    assert.equal(r.wanted.length, 1, 'asked at most once per wait');
    r.now.ms += 1;
    r.assembler.tick(r.now.ms);
    assert.equal(r.wanted.length, 2, 'asked again');
    deliver(r, frames[10]!, 900);
    deliver(r, frames[11]!, 966);
    assert.deepEqual(r.shown.map((f) => f.timestamp / 6000), [0, 1, 2, 10, 11]);
    assert.equal(r.shown[3]!.keyframe, true);
    r.assembler.tick(2000);
    assert.equal(r.wanted.length, 2, 'the chain is whole again');
  });

  it('a subscriber that starts mid-stream shows nothing and asks for a keyframe until one comes', () => {
    const r = receiver(200);
    const frames = stream(10, 1, 500, new Set([8]));
    frames.slice(2, 8).forEach((frame, k) => deliver(r, frame, k * 66));
    assert.equal(r.shown.length, 0);
    assert.equal(r.wanted[0]?.reason, 'no keyframe yet');
    assert.ok(r.wanted[0].atMs >= 200);
    deliver(r, frames[8]!, 600);
    deliver(r, frames[9]!, 666);
    assert.deepEqual(r.shown.map((f) => f.timestamp / 6000), [8, 9]);
  });

  it('counts a freeze as Chromium does: a gap over max(3 × mean interval, mean + 150 ms)', () => {
    const r = receiver(10_000);
    const frames = stream(14, 1, 0, new Set([0]));
    const at = [0, 66, 133, 200, 266, 333, 399, 465 /* +66 */, 680 /* +215: under 216 */, 746, 812, 878, 944, 1400 /* +456 */];
    frames.forEach((frame, k) => deliver(r, frame, at[k]!));
    const freezes = r.shown.filter((f) => f.freezeMs !== null).map((f) => f.freezeMs);
    assert.deepEqual(freezes, [456]);
  });
});

describe('NACK requester', () => {
  it('asks for a gap at once, again once per round trip, at most 10 times, and forgets what arrived', () => {
    const nacks = new NackRequester();
    for (const seq of [65533, 65534, 1, 2]) nacks.received(seq, 0);
    assert.deepEqual(nacks.due(0, 50).sort((a, b) => a - b), [0, 65535], 'the gap across the wrap');
    assert.deepEqual(nacks.due(30, 50), [], 'not again within a round trip');
    nacks.received(65535, 40);
    assert.deepEqual(nacks.due(50, 50), [0]);
    let asks = 2;
    for (let t = 100; t < 1000; t += 50) asks += nacks.due(t, 50).length;
    assert.equal(asks, 10);
    assert.equal(nacks.pending, 0);
    assert.equal(nacks.abandoned, 1);
  });

  it('gives up on a gap older than a second, or than 1,000 packets', () => {
    const byTime = new NackRequester();
    byTime.received(10, 0);
    byTime.received(12, 0);
    assert.deepEqual(byTime.due(1001, 2000), []);
    assert.equal(byTime.abandoned, 1);
    const byCount = new NackRequester();
    byCount.received(0, 0);
    byCount.received(2, 0);
    byCount.received(1003, 1);
    assert.ok(!byCount.due(2, 50).includes(1));
  });

  it('forgets the gaps before a frame that continues the chain (libwebrtc ClearUpTo), across the wrap', () => {
    const nacks = new NackRequester();
    for (const seq of [65530, 65533, 2, 6]) nacks.received(seq, 0);
    nacks.clearUpTo(1);
    assert.deepEqual(nacks.due(0, 50).sort((a, b) => a - b), [1, 3, 4, 5], 'the gaps from 65531 to 0 are gone, 1 and those after stay');
  });

  it('a sequence number the SFU skipped at a layer switch is asked for until the keyframe after it is shown, not ten times', () => {
    const requests: number[][] = [];
    const r = new VideoReceiver({ latency: () => {} });
    const frames = stream(8, 2, 500, new Set([0, 5]));
    const skipped = frames.slice(5).flat().map((p) => ({ ...p, seq: (p.seq + 1) & 0xffff }));
    const packets = [...frames.slice(0, 5).flat(), ...skipped.slice(0, 1)];
    packets.forEach((p, k) => r.packet(1, p.seq, p.timestamp, p.marker, p.payload, k));
    requests.push(...r.tick(20, 50).nacks.map((n) => n.seqs));
    assert.deepEqual(requests, [[510]], 'the gap is asked for while the keyframe is incomplete');
    skipped.slice(1).forEach((p) => r.packet(1, p.seq, p.timestamp, p.marker, p.payload, 30));
    for (let t = 100; t < 1200; t += 50) requests.push(...r.tick(t, 50).nacks.map((n) => n.seqs));
    assert.deepEqual(requests, [[510]], 'and not again once the keyframe is shown');
    assert.equal(r.takeSecond()[0]!.framesShown, 8);
  });

  it('keyframe requests are at most one per interval', () => {
    const pli = new MinInterval(300);
    assert.deepEqual([0, 100, 299, 300, 500, 650].map((t) => pli.take(t)), [true, false, false, true, false, true]);
  });
});
