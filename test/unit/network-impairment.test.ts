/**
 * The impairment models on recorded packets: calibration (loss rate, Gilbert-Elliott bursts,
 * delay, jitter, rate) and determinism (same seed → same packets dropped, whatever control
 * traffic arrives in between).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyOf } from '../../chaos/network/draws.js';
import { Impairment } from '../../chaos/network/impairment.js';
import { jitterMs } from '../../chaos/network/jitter.js';
import { RateQueue } from '../../chaos/network/rate-queue.js';
import type { ImpairmentProfile, JitterSpec } from '../../core/scenario/network-types.js';
import { audioStream, dtlsPacket, rtcpPacket, rtpPacket, stunPacket } from '../helpers/packets.js';

const none: ImpairmentProfile = { loss: null, delayMs: 0, jitter: null, duplicateRatio: 0, rate: null, blackhole: false };
const profile = (over: Partial<ImpairmentProfile>): ImpairmentProfile => ({ ...none, ...over });

function impairment(p: ImpairmentProfile, seed = 1): Impairment {
  const i = new Impairment(keyOf(seed, 7, 'down'));
  i.setProfile(p);
  return i;
}

/** Sequence numbers of the RTP packets dropped, in order. */
function droppedSeqs(i: Impairment, packets: Buffer[]): number[] {
  return packets.filter((p) => p[1] === 111 && i.decide(p, 0).copies === 0).map((p) => p.readUInt16BE(2));
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function sd(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}

/** Lengths of runs of consecutive lost packets. */
function bursts(lost: boolean[]): number[] {
  const runs: number[] = [];
  let run = 0;
  for (const l of lost) {
    if (l) run++;
    else if (run > 0) {
      runs.push(run);
      run = 0;
    }
  }
  if (run > 0) runs.push(run);
  return runs;
}

describe('random loss', () => {
  for (const [seed, percent] of [[1, 2], [2, 5], [3, 10], [4, 0.5]] as const) {
    it(`${percent}% over 20,000 packets is ${percent}% ± 0.5 points (seed ${seed})`, () => {
      const i = impairment(profile({ loss: { kind: 'random', ratio: percent / 100 } }), seed);
      const dropped = droppedSeqs(i, audioStream(0xabc, 20_000));
      assert.ok(Math.abs((dropped.length / 20_000) * 100 - percent) <= 0.5, `measured ${(dropped.length / 200).toFixed(2)}%`);
    });
  }

  it('never drops STUN, DTLS or RTCP, whatever the loss', () => {
    const i = impairment(profile({ loss: { kind: 'random', ratio: 1 } }));
    for (const packet of [stunPacket(), dtlsPacket(), rtcpPacket()]) assert.equal(i.decide(packet, 0).copies, 1);
    assert.equal(i.decide(rtpPacket(1, 1, 960), 0).copies, 0);
  });
});

describe('Gilbert-Elliott loss (netem gemodel)', () => {
  for (const { p, r } of [{ p: 0.05, r: 0.5 }, { p: 0.01, r: 0.25 }]) {
    it(`p=${p} r=${r}: loss rate p/(p+r), mean burst 1/r, bursts geometric`, () => {
      const i = impairment(profile({ loss: { kind: 'gilbert-elliott', p, r, lossInBad: 1, lossInGood: 0 } }));
      const packets = audioStream(0x1234, 200_000);
      const lost = packets.map((packet) => i.decide(packet, 0).copies === 0);
      const runs = bursts(lost);
      const rate = lost.filter(Boolean).length / lost.length;
      assert.ok(Math.abs(rate - p / (p + r)) < 0.1 * (p / (p + r)), `loss ${rate} vs ${p / (p + r)}`);
      assert.ok(Math.abs(mean(runs) - 1 / r) < 0.05 / r, `mean burst ${mean(runs)} vs ${1 / r}`);
      // Geometric: a burst ends after each packet with probability r.
      const single = runs.filter((n) => n === 1).length / runs.length;
      assert.ok(Math.abs(single - r) < 0.03, `bursts of one: ${single} vs ${r}`);
    });
  }

  it('1-k loses packets in the good state too, 1-h spares some in the bad state', () => {
    const i = impairment(profile({ loss: { kind: 'gilbert-elliott', p: 0, r: 1, lossInBad: 1, lossInGood: 0.2 } }));
    const rate = droppedSeqs(i, audioStream(9, 20_000)).length / 20_000;
    assert.ok(Math.abs(rate - 0.2) < 0.01, `p = 0: never bad, loss is 1-k: ${rate}`);
  });
});

describe('seeded decisions', () => {
  const lossy = profile({ loss: { kind: 'gilbert-elliott', p: 0.05, r: 0.3, lossInBad: 0.9, lossInGood: 0.01 }, duplicateRatio: 0.02 });
  const stream = audioStream(0x5555, 3000);

  /** The stream with different control traffic around it: STUN and RTCP at varying places. */
  function withControl(every: number): Buffer[] {
    return stream.flatMap((packet, k) => (k % every === 0 ? [stunPacket(), packet, rtcpPacket()] : [packet]));
  }

  it('the same seed drops the same sequence numbers, whatever control traffic is interleaved', () => {
    const first = droppedSeqs(impairment(lossy, 42), withControl(7));
    const second = droppedSeqs(impairment(lossy, 42), withControl(3));
    assert.ok(first.length > 50);
    assert.deepEqual(second, first);
  });

  it('another seed drops other packets', () => {
    assert.notDeepEqual(droppedSeqs(impairment(lossy, 43), stream), droppedSeqs(impairment(lossy, 42), stream));
  });

  it('a named stream is decided by its name, not by its (random per run) SSRC', () => {
    const run = (ssrc: number): number[] => {
      const i = impairment(lossy, 42);
      i.nameStream(ssrc, 'bot-3');
      return droppedSeqs(i, audioStream(ssrc, 3000));
    };
    assert.deepEqual(run(0x1111), run(0x2222));
  });

  it('decisions follow the RTP timestamp: a stream joined late drops the same packets from there on', () => {
    const whole = new Set(droppedSeqs(impairment(profile({ loss: { kind: 'random', ratio: 0.1 } }), 5), audioStream(77, 3000)));
    const late = droppedSeqs(impairment(profile({ loss: { kind: 'random', ratio: 0.1 } }), 5), audioStream(77, 2000, 1000));
    assert.deepEqual(late, [...whole].filter((seq) => seq >= 1000));
  });

  it('a Gilbert-Elliott chain started late agrees with one started early within a few packets', () => {
    const ge = profile({ loss: { kind: 'gilbert-elliott', p: 0.05, r: 0.3, lossInBad: 1, lossInGood: 0 } });
    const whole = droppedSeqs(impairment(ge, 5), audioStream(77, 3000)).filter((seq) => seq >= 1100);
    const late = droppedSeqs(impairment(ge, 5), audioStream(77, 2000, 1000)).filter((seq) => seq >= 1100);
    assert.ok(whole.length > 50);
    assert.deepEqual(late, whole);
  });
});

describe('delay, jitter, duplication, blackhole', () => {
  it('delays every packet, control included, by exactly the delay', () => {
    const i = impairment(profile({ delayMs: 40 }));
    for (const [k, packet] of [stunPacket(), rtpPacket(1, 1, 960), rtcpPacket()].entries()) assert.deepEqual(i.decide(packet, k * 5), { copies: 1, atMs: k * 5 + 40 });
  });

  it('jitter without reorder never lets a packet overtake an earlier one; with reorder some do', () => {
    const order = (reorder: boolean): number[] => {
      const i = impairment(profile({ delayMs: 30, jitter: { ms: 20, distribution: 'normal', reorder } }));
      return audioStream(1, 2000).map((packet, k) => i.decide(packet, k * 20).atMs);
    };
    const kept = order(false);
    assert.ok(kept.every((at, k) => k === 0 || at >= kept[k - 1]!));
    const reordered = order(true);
    assert.ok(reordered.some((at, k) => k > 0 && at < reordered[k - 1]!));
  });

  for (const distribution of ['uniform', 'normal', 'pareto'] as const) {
    it(`${distribution} jitter has mean 0 and its spread is the jitter`, () => {
      const spec: JitterSpec = { ms: 10, distribution, reorder: true };
      const samples = Array.from({ length: 50_000 }, (_, k) => jitterMs(spec, ((k * 0.6180339887) % 1) + 1e-9, ((k * 0.7548776662) % 1) + 1e-9));
      assert.ok(Math.abs(mean(samples)) < 0.3, `mean ${mean(samples)}`);
      // Uniform ±j has sd j/√3; normal and pareto are scaled to sd j.
      const expectedSd = distribution === 'uniform' ? 10 / Math.sqrt(3) : 10;
      assert.ok(Math.abs(sd(samples) - expectedSd) < 0.1 * expectedSd, `sd ${sd(samples)} vs ${expectedSd}`);
      if (distribution === 'uniform') assert.ok(samples.every((s) => Math.abs(s) <= 10));
      if (distribution === 'pareto') assert.ok(Math.max(...samples) > 4 * 10, 'a heavy right tail');
    });
  }

  it('duplicates the configured share of media packets', () => {
    const i = impairment(profile({ duplicateRatio: 0.05 }));
    const copies = audioStream(3, 20_000).map((packet) => i.decide(packet, 0).copies);
    const share = copies.filter((c) => c === 2).length / copies.length;
    assert.ok(Math.abs(share - 0.05) < 0.005, `duplicated ${share}`);
    assert.equal(i.decide(stunPacket(), 0).copies, 1);
  });

  it('a blackhole, or a partition, drops everything, control included', () => {
    const cut = impairment(profile({ blackhole: true }));
    assert.equal(cut.decide(stunPacket(), 0).copies, 0);
    const open = impairment(none);
    assert.equal(open.decide(dtlsPacket(), 0, true).copies, 0);
    assert.deepEqual(open.decide(dtlsPacket(), 3), { copies: 1, atMs: 3 });
  });
});

describe('rate limit', () => {
  it('spaces packets at the rate and tail-drops media beyond the queue limit, never control', () => {
    // 64 kbit/s moves 8 bytes per ms: a 100-byte packet takes 12.5 ms.
    const queue = new RateQueue({ kbps: 64, queueLimit: 3 });
    const departures = [0, 1, 2, 3].map(() => queue.enqueue(100, 0, true));
    assert.deepEqual(departures, [12.5, 25, 37.5, undefined]);
    assert.equal(queue.enqueue(100, 0, false), 50, 'control waits its turn but is never dropped');
    assert.equal(queue.enqueue(100, 20, true), undefined, '3 still queued at 20 ms');
    assert.equal(queue.enqueue(100, 40, true), 62.5, 'room again once packets left: after the one still queued');
  });

  it('through an impairment, the rate and the delay add up', () => {
    const i = impairment(profile({ rate: { kbps: 80, queueLimit: 10 }, delayMs: 5 }));
    assert.deepEqual(i.decide(rtpPacket(1, 1, 960, 100), 0), { copies: 1, atMs: 15 });
    assert.deepEqual(i.decide(rtpPacket(1, 2, 1920, 100), 0), { copies: 1, atMs: 25 });
  });
});
