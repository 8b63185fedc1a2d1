import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../core/plan/random.js';
import {
  burstRatio,
  delayImpairment,
  deviceDelayMs,
  effectiveEquipmentImpairment,
  mos,
  mosFromR,
  mouthToEarMs,
  opusImpairment,
  rFactor,
  type CodecImpairment,
} from '../../core/quality/e-model.js';

const clean = { mouthToEarMs: 0, lossPercent: 0, burstRatio: 1 };

/** Loss runs, lost packets and packets of an outcome sequence (true = lost). */
function count(lost: boolean[]): [number, number, number] {
  let runs = 0;
  lost.forEach((l, i) => {
    if (l && !lost[i - 1]) runs++;
  });
  return [runs, lost.filter(Boolean).length, lost.length];
}

describe('E-model (G.107)', () => {
  it('rates a connection at the G.107 defaults with no delay and no loss at R = 93.2', () => {
    const r = rFactor(clean);
    // The formulas give 93.2062; G.107's "93.2" is that, rounded.
    assert.ok(Math.abs(r - 93.2062) < 1e-3, `R ${r}`);
    // An independent transcription: flent's mos_score (tohojo/flent, flent/util.py), checked by its
    // authors against ITU-T's online E-model, hard-codes No = -61.17921438624169 and
    // Is = 1.4135680813438616 for the Table 3 defaults; with them R(0) = Ro - Is - Idle(Tr = 0).
    const ro = 15 - 1.5 * (8 + -61.17921438624169);
    const rle = 10.5 * (110 + 7);
    const idle = (ro - rle) / 2 + Math.sqrt((ro - rle) ** 2 / 4 + 169);
    assert.ok(Math.abs(r - (ro - 1.4135680813438616 - idle)) < 1e-6);
  });

  it('charges more for more delay, from 1 ms on, and nothing extra for absolute delay up to 100 ms', () => {
    // Idte switches on at T = 1 ms slightly negative (its "- 1" term at TELR 65 dB), so Id dips
    // once between 0 and 1 ms; mouth-to-ear delay always includes deviceDelayMs, far above that.
    let previous = delayImpairment(1);
    for (let t = 2; t <= 1000; t++) {
      const id = delayImpairment(t);
      assert.ok(id > previous, `Id(${t}) ${id} <= Id(${t - 1}) ${previous}`);
      previous = id;
    }
    // Idd starts past mT = 100 ms: the slope over the next 50 ms is several times the slope before.
    const before = delayImpairment(100) - delayImpairment(50);
    const after = delayImpairment(200) - delayImpairment(150);
    assert.ok(after > 2 * before, `before ${before}, after ${after}`);
  });

  it('follows the published fit of the E-model delay curve (Cole & Rosenbluth) within 1 R up to 300 ms', () => {
    // R. G. Cole, J. H. Rosenbluth, "Voice over IP performance monitoring", ACM SIGCOMM CCR 31(2),
    // 2001, fit G.107 at its defaults with Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3), R(0) = 93.2.
    // The largest gap is at the fit's kink (0.9 at 177.3 ms); past 300 ms the straight line falls
    // faster than G.107's Idd (3.1 apart at 400 ms).
    for (let d = 0; d <= 300; d += 5) {
      const fit = 93.2 - (0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0));
      const r = rFactor({ mouthToEarMs: d, lossPercent: 0, burstRatio: 1 });
      assert.ok(Math.abs(r - fit) < 1, `${d} ms: R ${r.toFixed(2)}, fit ${fit.toFixed(2)}`);
    }
    // The points quoted most: about 89.5 at 150 ms, about 72.7 at 300 ms.
    assert.ok(Math.abs(rFactor({ mouthToEarMs: 150, lossPercent: 0, burstRatio: 1 }) - 89.54) < 0.01);
    assert.ok(Math.abs(rFactor({ mouthToEarMs: 300, lossPercent: 0, burstRatio: 1 }) - 72.67) < 0.01);
  });

  it('maps R to MOS by G.107 Annex B', () => {
    assert.ok(Math.abs(mosFromR(93.2) - 4.4093) < 1e-4, `${mosFromR(93.2)}`);
    assert.ok(Math.abs(mosFromR(50) - 2.575) < 1e-9, `${mosFromR(50)}`);
    assert.ok(Math.abs(mosFromR(80) - 4.024) < 1e-9, `${mosFromR(80)}`);
    assert.equal(mosFromR(-3), 1);
    assert.equal(mosFromR(100), 4.5);
    assert.equal(mosFromR(130), 4.5);
    // The ceiling for a codec with Ie = 0: 4.41 at no delay.
    assert.ok(Math.abs(mos(clean) - 4.4094) < 1e-4, `${mos(clean)}`);
    // The polynomial falls below 1 for 0 < R < 6.5 (to 0.988 at R 3.2), as G.107 writes it, and
    // rises from there on.
    for (let r = 4; r < 100; r += 0.5) assert.ok(mosFromR(r + 0.5) > mosFromR(r), `MOS at R ${r}`);
  });

  it('gives Ie,eff for random and bursty loss by (7-29)', () => {
    assert.equal(effectiveEquipmentImpairment(0, 1, opusImpairment), 0);
    // Ie 0, Bpl 25.1: 95 * 5 / (5 + 25.1) random; 95 * 5 / (5 / 2 + 25.1) at BurstR 2.
    assert.ok(Math.abs(effectiveEquipmentImpairment(5, 1, opusImpairment) - 15.7807) < 1e-4);
    assert.ok(Math.abs(effectiveEquipmentImpairment(5, 2, opusImpairment) - 17.2101) < 1e-4);
    // G.711 without PLC (Ie 0, Bpl 4.3, G.107's default Bpl) loses far more to the same 1%.
    const g711NoPlc: CodecImpairment = { name: 'g711', ie: 0, bpl: 4.3, source: 'G.107 Table 3 default Bpl' };
    assert.ok(Math.abs(effectiveEquipmentImpairment(1, 1, g711NoPlc) - 95 / 5.3) < 1e-9);
    // A codec with its own impairment starts from it.
    const lossy: CodecImpairment = { name: 'x', ie: 11, bpl: 19, source: 'test' };
    assert.equal(effectiveEquipmentImpairment(0, 1, lossy), 11);
    // Out-of-range input is held to 0..100 % and BurstR >= 1.
    assert.equal(effectiveEquipmentImpairment(150, 1, opusImpairment), effectiveEquipmentImpairment(100, 1, opusImpairment));
    assert.equal(effectiveEquipmentImpairment(5, 0.5, opusImpairment), effectiveEquipmentImpairment(5, 1, opusImpairment));
  });

  it('rates worse with more loss, burstier loss and more delay', () => {
    let previous = Infinity;
    for (let loss = 0; loss <= 100; loss += 1) {
      const r = rFactor({ mouthToEarMs: 60, lossPercent: loss, burstRatio: 1 });
      assert.ok(r < previous, `loss ${loss}%`);
      previous = r;
    }
    previous = Infinity;
    for (let burst = 1; burst <= 8; burst += 0.5) {
      const r = rFactor({ mouthToEarMs: 60, lossPercent: 5, burstRatio: burst });
      assert.ok(r < previous, `BurstR ${burst}`);
      previous = r;
    }
    previous = Infinity;
    for (let t = 1; t <= 600; t += 1) {
      const m = mos({ mouthToEarMs: t, lossPercent: 2, burstRatio: 1 });
      assert.ok(m <= previous, `${t} ms`);
      previous = m;
    }
    // The numbers the docs quote: 60 ms mouth to ear, Opus, no loss and 5% random loss.
    assert.ok(Math.abs(mos({ mouthToEarMs: 60, lossPercent: 0, burstRatio: 1 }) - 4.375) < 1e-3);
    assert.ok(Math.abs(mos({ mouthToEarMs: 60, lossPercent: 5, burstRatio: 1 }) - 3.853) < 1e-3);
  });

  it('measures BurstR from loss runs', () => {
    assert.equal(burstRatio(0, 0, 50), 1);
    assert.equal(burstRatio(1, 50, 50), 1);
    assert.equal(burstRatio(0, 0, 0), 1);
    // 10 of 100 lost in 2 runs of 5: observed run 5, random run 1 / 0.9.
    const lost = [...Array(100).keys()].map((i) => (i >= 20 && i < 25) || (i >= 70 && i < 75));
    assert.deepEqual(count(lost), [2, 10, 100]);
    assert.ok(Math.abs(burstRatio(...count(lost)) - 4.5) < 1e-9);
    // Ten isolated losses are less bursty than random (0.9) and are held at 1.
    assert.equal(burstRatio(10, 10, 100), 1);
  });

  it('finds BurstR about 1 for random loss and 1 / (p + r) for Gilbert loss', () => {
    const random = seededRandom(7);
    const bernoulli = [...Array(200_000).keys()].map(() => random() < 0.05);
    const b = burstRatio(...count(bernoulli));
    assert.ok(b < 1.03, `random loss BurstR ${b}`);
    // docs/chaos.md's burst profile: Gilbert p = 0.05, r = 0.5, all lost in the bad state;
    // loss 9.1%, mean run 1 / r = 2, BurstR = 1 / (p + r) = 1.82.
    const chain = seededRandom(8);
    let bad = false;
    const gilbert = [...Array(200_000).keys()].map(() => {
      bad = bad ? chain() >= 0.5 : chain() < 0.05;
      return bad;
    });
    const g = burstRatio(...count(gilbert));
    assert.ok(Math.abs(g - 1 / 0.55) < 0.05, `Gilbert BurstR ${g}`);
  });

  it('adds packetization and the device constant to network and buffer delay', () => {
    assert.equal(deviceDelayMs, 26.5);
    assert.equal(mouthToEarMs(20, 40, 20), 20 + 40 + 20 + 26.5);
    // Opus with no network delay still costs something: 46.5 ms mouth to ear at 20 ms ptime.
    assert.ok(mos({ mouthToEarMs: mouthToEarMs(0, 0, 20), lossPercent: 0, burstRatio: 1 }) < mos(clean));
  });
});
