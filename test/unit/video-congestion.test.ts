/**
 * The video sender's congestion controller on a simulated link: a bottleneck of a given capacity with
 * a drop-tail queue, 20 ms each way, seeded random loss. The sender sends each frame as a burst of
 * 1200-byte packets at the controller's rate, and hears transport-wide feedback every 50 ms, as a
 * bot will from the SFU.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../core/plan/random.js';
import { CongestionController, type PacketFeedback } from '../../bots/video/congestion-control.js';

interface LinkSpec {
  /** Capacity at a time (ms). */
  capacityKbps: (atMs: number) => number;
  loss?: number;
  startKbps: number;
  seconds: number;
}

interface Run {
  /** The controller's target at the end of each 100 ms. */
  target: Array<{ atMs: number; kbps: number }>;
  /** Queueing delay of each packet that got through. */
  queueMs: Array<{ atMs: number; ms: number }>;
}

function simulate(spec: LinkSpec): Run {
  const random = seededRandom(11);
  const controller = new CongestionController({ startKbps: spec.startKbps, minKbps: 50, maxKbps: 5000 });
  const fps = 30;
  const oneWayMs = 20;
  const maxQueueMs = 500;
  let linkFreeAtMs = 0;
  let wideSeq = 0;
  const inFlight: Array<{ wideSeq: number; receivedAtMs: number | null; reportAtMs: number }> = [];
  const run: Run = { target: [], queueMs: [] };
  let nextFrameMs = 0;
  let nextFeedbackMs = 50;
  for (let now = 0; now <= spec.seconds * 1000; now++) {
    if (now >= nextFrameMs) {
      nextFrameMs += 1000 / fps;
      let bytes = Math.round((controller.targetKbps * 1000) / 8 / fps);
      while (bytes > 0) {
        const size = Math.min(1200, bytes);
        bytes -= size;
        const seq = wideSeq++;
        controller.onPacketSent(seq, size, now);
        const queueMs = Math.max(0, linkFreeAtMs - now);
        if (queueMs > maxQueueMs || random() < (spec.loss ?? 0)) {
          inFlight.push({ wideSeq: seq, receivedAtMs: null, reportAtMs: now + 2 * oneWayMs });
          continue;
        }
        linkFreeAtMs = Math.max(linkFreeAtMs, now) + (size * 8) / spec.capacityKbps(now);
        run.queueMs.push({ atMs: now, ms: queueMs });
        inFlight.push({ wideSeq: seq, receivedAtMs: linkFreeAtMs + oneWayMs, reportAtMs: linkFreeAtMs + 2 * oneWayMs });
      }
    }
    if (now >= nextFeedbackMs) {
      nextFeedbackMs += 50;
      // The receiver reports what reached it by now; a packet it never got is reported lost once later ones have arrived.
      const due = inFlight.filter((p) => p.reportAtMs <= now);
      if (due.length > 0) {
        const feedback: PacketFeedback[] = due.map((p) => ({ wideSeq: p.wideSeq, receivedAtMs: p.receivedAtMs }));
        for (const p of due) inFlight.splice(inFlight.indexOf(p), 1);
        controller.onFeedback(feedback, now);
      }
    }
    if (now % 100 === 0) run.target.push({ atMs: now, kbps: controller.targetKbps });
  }
  return run;
}

const between = (run: Run, fromMs: number, toMs: number): number[] => run.target.filter((t) => t.atMs >= fromMs && t.atMs < toMs).map((t) => t.kbps);
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('congestion controller', () => {
  it('on a free link it ramps up, about 8 % a second', () => {
    const run = simulate({ capacityKbps: () => 100_000, startKbps: 300, seconds: 10 });
    const end = run.target.at(-1)!.kbps;
    assert.ok(end > 300 * 1.08 ** 8 && end < 300 * 1.08 ** 11, `${end.toFixed(0)} kbps after 10 s`);
  });

  it('under a bottleneck it settles below the capacity with a short queue', () => {
    const run = simulate({ capacityKbps: () => 800, startKbps: 600, seconds: 40 });
    // A sawtooth, as GCC's: up until the queue grows, then 85 % of what got through.
    const settled = between(run, 20_000, 40_000);
    assert.ok(Math.max(...settled) < 800 * 1.1, `overshoot: max ${Math.max(...settled).toFixed(0)} kbps`);
    assert.ok(mean(settled) > 800 * 0.75 && mean(settled) < 800, `mean ${mean(settled).toFixed(0)} kbps uses the link`);
    const queue = run.queueMs.filter((q) => q.atMs >= 20_000).map((q) => q.ms);
    assert.ok(median(queue) < 100, `median queue ${median(queue).toFixed(0)} ms`);
  });

  it('a capacity cut is followed within a few seconds', () => {
    const run = simulate({ capacityKbps: (t) => (t < 15_000 ? 2000 : 400), startKbps: 1200, seconds: 25 });
    const before = median(between(run, 10_000, 15_000));
    assert.ok(before > 800, `before the cut ${before.toFixed(0)} kbps`);
    assert.ok(Math.min(...between(run, 15_000, 17_000)) < 400, 'under the new capacity within 2 s');
    const after = between(run, 18_000, 25_000);
    assert.ok(mean(after) < 400 && mean(after) > 400 * 0.7, `after the cut to 400: mean ${mean(after).toFixed(0)} kbps`);
    assert.ok(Math.max(...after) < 400 * 1.15, `overshoot: max ${Math.max(...after).toFixed(0)} kbps`);
  });

  it('heavy random loss lowers the rate, light loss does not', () => {
    const heavy = simulate({ capacityKbps: () => 100_000, loss: 0.15, startKbps: 1000, seconds: 10 });
    assert.ok(heavy.target.at(-1)!.kbps < 500, `15 % loss: ${heavy.target.at(-1)!.kbps.toFixed(0)} kbps`);
    const light = simulate({ capacityKbps: () => 100_000, loss: 0.01, startKbps: 1000, seconds: 10 });
    assert.ok(light.target.at(-1)!.kbps > 1000, `1 % loss: ${light.target.at(-1)!.kbps.toFixed(0)} kbps`);
  });
});
