/**
 * A video sender and a receiver on a simulated path (20 ms one way, seeded loss), transport aside:
 * real clip frames, RTX for the receiver's NACKs, keyframes for its PLIs, layers paused and resumed
 * by the available bitrate, latency from the stamps in padding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../core/plan/random.js';
import { videoClip } from '../../bots/video/clips.js';
import { simulcastLadder } from '../../bots/video/simulcast.js';
import { VideoReceiver, type VideoSecond } from '../../bots/video/video-receiver.js';
import { VideoSender, type VideoPacket } from '../../bots/video/video-sender.js';

const oneWayMs = 20;
const fps = 15;

interface Path {
  /** Loss on media packets of a layer (RTX and RTCP arrive). */
  loss?: (layer: number) => number;
  /** The receiver hears nothing before this (a late subscriber). */
  joinAtMs?: number;
  /** Whether the sender answers NACKs. */
  answerNacks?: boolean;
  seconds: number;
  availableKbps?: (atMs: number) => number;
}

function run(path: Path) {
  const now = { ms: 0 };
  const random = seededRandom(5);
  const ssrcs = [1001, 1002, 1003];
  const rtxSsrcs = [2001, 2002, 2003];
  const sender = new VideoSender({
    senderId: 7, layers: simulcastLadder(640, 360, 1000, 3), fps, keyframeIntervalMs: null, ssrcs, rtxSsrcs,
    maxPayloadBytes: 1200, random, clip: videoClip, clockMs: () => now.ms,
  });
  const latencies: number[] = [];
  const receiver = new VideoReceiver({ latency: (ms) => latencies.push(ms) });
  const queue: Array<{ atMs: number; packet: VideoPacket }> = [];
  const controls: Array<{ atMs: number; act: () => void }> = [];
  const seconds: VideoSecond[][] = [];
  const sentPerLayer = [0, 0, 0];
  let keyframeGrants = 0;
  let nextFrameMs = 0;
  for (; now.ms <= path.seconds * 1000; now.ms++) {
    if (path.availableKbps) sender.setAvailableKbps(path.availableKbps(now.ms));
    if (now.ms >= nextFrameMs) {
      nextFrameMs += 1000 / fps;
      for (const packet of sender.frame(now.ms)) {
        sentPerLayer[packet.layer]!++;
        if (random() >= (path.loss?.(packet.layer) ?? 0)) queue.push({ atMs: now.ms + oneWayMs, packet });
      }
    }
    for (const c of controls.filter((c) => c.atMs <= now.ms)) {
      controls.splice(controls.indexOf(c), 1);
      c.act();
    }
    for (const q of queue.filter((q) => q.atMs <= now.ms)) {
      queue.splice(queue.indexOf(q), 1);
      if (now.ms < (path.joinAtMs ?? 0)) continue;
      const p = q.packet;
      if (p.rtx) receiver.rtx(ssrcs[p.layer]!, p.timestamp, p.marker, p.payload, now.ms);
      else receiver.packet(p.ssrc, p.seq, p.timestamp, p.marker, p.payload, now.ms);
    }
    if (now.ms % 20 === 0 && now.ms >= (path.joinAtMs ?? 0)) {
      const requests = receiver.tick(now.ms, 2 * oneWayMs);
      for (const { ssrc, seqs } of requests.nacks) {
        if (path.answerNacks === false) continue;
        controls.push({ atMs: now.ms + oneWayMs, act: () => sender.nack(ssrc, seqs, now.ms).forEach((packet) => queue.push({ atMs: now.ms + oneWayMs, packet })) });
      }
      for (const ssrc of requests.plis) controls.push({ atMs: now.ms + oneWayMs, act: () => void (sender.requestKeyframe(ssrc, now.ms) && keyframeGrants++) });
    }
    if (now.ms % 1000 === 999) seconds.push(receiver.takeSecond());
  }
  const total = (layer: number, key: keyof Omit<VideoSecond, 'ssrc' | 'freezes' | 'keyframeWaitsMs'>): number => seconds.flat().filter((s) => s.ssrc === ssrcs[layer]).reduce((n, s) => n + s[key], 0);
  const freezes = (layer: number): number[] => seconds.flat().filter((s) => s.ssrc === ssrcs[layer]).flatMap((s) => s.freezes);
  return { sender, latencies, seconds, total, freezes, sentPerLayer, keyframeGrants };
}

describe('video sender and receiver', () => {
  it('on a clean path every layer\'s frames are shown, one keyframe each, and packets of padding give the path\'s latency', () => {
    const r = run({ seconds: 5 });
    for (const layer of [0, 1, 2]) {
      assert.ok(r.total(layer, 'framesShown') >= 5 * fps - 2, `layer ${layer}: ${r.total(layer, 'framesShown')} frames`);
      assert.equal(r.total(layer, 'keyframesShown'), 1);
      assert.deepEqual(r.freezes(layer), []);
      assert.equal(r.total(layer, 'nacksSent'), 0);
    }
    assert.ok(r.latencies.length > 100 && r.latencies.every((ms) => ms === oneWayMs), `${r.latencies.length} stamps`);
    // Each layer sent about its target: 85, 239 and 676 kb/s, ±15 %.
    const kbps = [0, 1, 2].map((layer) => (r.total(layer, 'bytes') * 8) / 5 / 1000);
    [85, 239, 676].forEach((target, layer) => assert.ok(Math.abs(kbps[layer]! - target) / target < 0.15, `layer ${layer}: ${kbps[layer]!.toFixed(0)} kb/s`));
  });

  it('5 % loss on the top layer is repaired by NACK and RTX: frames keep coming, no keyframe needed', () => {
    const r = run({ seconds: 10, loss: (layer) => (layer === 2 ? 0.05 : 0) });
    assert.ok(r.total(2, 'nacksSent') > 20, `NACKs ${r.total(2, 'nacksSent')}`);
    assert.ok(r.total(2, 'rtxReceived') > 20 && r.sender.stats.rtxSent >= r.total(2, 'rtxReceived'), `RTX ${r.total(2, 'rtxReceived')}`);
    assert.ok(r.total(2, 'framesShown') >= 10 * fps - 3, `frames ${r.total(2, 'framesShown')}`);
    assert.equal(r.total(2, 'plisSent'), 0);
    assert.equal(r.total(0, 'nacksSent'), 0, 'the other layers lose nothing');
  });

  it('the same loss without retransmission breaks the chain: PLIs, keyframes granted, and freezes', () => {
    const r = run({ seconds: 10, loss: (layer) => (layer === 2 ? 0.05 : 0), answerNacks: false });
    assert.ok(r.total(2, 'plisSent') >= 3, `PLIs ${r.total(2, 'plisSent')}`);
    assert.ok(r.keyframeGrants >= 3 && r.total(2, 'keyframesShown') >= 3, `keyframes shown ${r.total(2, 'keyframesShown')}`);
    assert.ok(r.total(2, 'framesShown') < 10 * fps * 0.9, `frames ${r.total(2, 'framesShown')}`);
    assert.ok(r.freezes(2).length >= 1, 'freezes');
  });

  it('a subscriber that joins late gets a keyframe within a second (its PLI answered)', () => {
    const r = run({ seconds: 6, joinAtMs: 3000 });
    const firstShown = r.seconds.findIndex((second) => second.some((s) => s.ssrc === 1003 && s.framesShown > 0));
    assert.equal(firstShown, 3, 'frames from the second it joined');
    assert.ok(r.total(2, 'plisSent') >= 1 && r.total(2, 'keyframesShown') === 1);
  });

  it('layers above the available bitrate pause, and resume with a keyframe', () => {
    const r = run({ seconds: 6, availableKbps: (t) => (t < 2000 || t >= 4000 ? 1000 : 300) });
    const framesOf = (second: number, ssrc: number): number => r.seconds[second]!.find((s) => s.ssrc === ssrc)?.framesShown ?? 0;
    assert.ok(framesOf(1, 1003) > 10);
    assert.equal(framesOf(3, 1003), 0, 'the top layer paused');
    assert.ok(framesOf(3, 1001) > 10 && framesOf(3, 1002) > 10, 'the lower layers go on');
    assert.ok(framesOf(5, 1003) > 10, 'resumed');
    assert.equal(r.total(2, 'keyframesShown'), 2, 'resumed with a keyframe');
  });
});
