import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../core/plan/random.js';
import { Histogram, unitScale } from '../../core/metrics/index.js';

/** Latency-like samples spanning 0.01 ms .. ~10 s, with fractions, so several HDR buckets and resizes are hit. */
function samples(n: number, seed: number): number[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, () => Math.round(10 ** (rnd() * 6 - 2) * 1000) / 1000);
}

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

function snapshot(h: Histogram): Record<string, number> {
  const out: Record<string, number> = { count: h.count, min: h.min, max: h.max, mean: h.mean };
  for (const p of PERCENTILES) out[`p${p}`] = h.percentile(p);
  return out;
}

/** HDR with 3 significant digits keeps values within 1/1024 relative, after rounding to whole µs. */
function assertClose(actual: number, exact: number, what: string): void {
  const tolerance = exact / 1024 + 0.0005 + 1e-9;
  assert.ok(Math.abs(actual - exact) <= tolerance, `${what}: ${actual} vs exact ${exact}`);
}

describe('Histogram', () => {
  it('merging serialized parts gives exactly the percentiles of one histogram of all samples', () => {
    const all = samples(20_000, 42);
    const rnd = seededRandom(7);
    const whole = new Histogram(unitScale.ms);
    const parts = [new Histogram(unitScale.ms), new Histogram(unitScale.ms), new Histogram(unitScale.ms)];
    for (const v of all) {
      whole.record(v);
      parts[Math.floor(rnd() * 3)]!.record(v);
    }
    assert.ok(parts.every((p) => p.count > 1000), 'every part got a real share');

    const merged = new Histogram(unitScale.ms);
    for (const p of parts) merged.merge(Histogram.fromJSON(JSON.parse(JSON.stringify(p)) as string, unitScale.ms));

    assert.deepEqual(snapshot(merged), snapshot(whole));

    // And both agree with the exact statistics, within HDR resolution.
    const sorted = [...all].sort((a, b) => a - b);
    assert.equal(merged.count, all.length);
    assertClose(merged.min, sorted[0]!, 'min');
    assertClose(merged.max, sorted.at(-1)!, 'max');
    for (const p of [50, 95, 99]) {
      const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
      assertClose(merged.percentile(p), sorted[rank - 1]!, `p${p}`);
    }
    const exactMean = all.reduce((s, v) => s + v, 0) / all.length;
    assert.ok(Math.abs(merged.mean - exactMean) <= exactMean / 1000, `mean ${merged.mean} vs ${exactMean}`);
  });

  it('keeps sub-millisecond values exactly at microsecond scale', () => {
    const h = new Histogram(unitScale.ms);
    h.record(0.123);
    h.record(0.1234); // rounds to 123 µs
    h.record(1.5);
    assert.deepEqual(h.summary(), { count: 3, min: 0.123, p50: 0.123, p95: 1.5, p99: 1.5, max: 1.5, avg: 0.582 }); // avg = (123 + 123 + 1500) µs / 3
  });

  it('reports percentiles as the upper bound of their bucket', () => {
    const h = new Histogram(unitScale.ms);
    h.record(10); // 10000 µs sits in a bucket of width 8: [10000, 10007]
    assert.equal(h.percentile(50), 10.007);
    assert.equal(h.max, 10.007);
    assert.equal(h.min, 10);
    assert.equal(h.mean, 10.004); // bucket midpoint: 10000 + floor(8 / 2) µs
  });

  it('recordMany equals recording the value n times', () => {
    const a = new Histogram(unitScale.ms);
    const b = new Histogram(unitScale.ms);
    a.recordMany(3.25, 5);
    a.recordMany(7, 0);
    for (let i = 0; i < 5; i++) b.record(3.25);
    assert.equal(a.count, 5);
    assert.deepEqual(snapshot(a), snapshot(b));
    assert.throws(() => a.recordMany(1, -1), RangeError);
    assert.throws(() => a.recordMany(1, 1.5), RangeError);
  });

  it('is null / NaN when empty and survives an empty round trip', () => {
    const h = new Histogram(unitScale.ms);
    assert.equal(h.summary(), null);
    assert.equal(h.count, 0);
    for (const v of [h.min, h.max, h.mean, h.percentile(50)]) assert.ok(Number.isNaN(v));
    const back = Histogram.fromJSON(h.toJSON(), unitScale.ms);
    assert.equal(back.count, 0);
    back.record(2);
    assert.equal(back.percentile(100), 2);
  });

  it('clamps negatives to 0 and rejects non-finite values and bad percentiles', () => {
    const h = new Histogram(unitScale.ms);
    h.record(-3);
    assert.equal(h.count, 1);
    assert.equal(h.max, 0);
    assert.throws(() => h.record(Number.NaN), RangeError);
    assert.throws(() => h.record(Infinity), RangeError);
    assert.throws(() => h.percentile(101), RangeError);
    assert.throws(() => h.percentile(-1), RangeError);
    assert.equal(h.count, 1);
  });

  it('serializes to compact base64 and refuses to merge different scales', () => {
    const h = new Histogram(unitScale.ms);
    for (let i = 1; i <= 1000; i++) h.record(i / 10);
    const encoded = h.toJSON();
    assert.match(encoded, /^[A-Za-z0-9+/]+=*$/);
    assert.ok(encoded.length < 4000, `encoding is ${encoded.length} chars`);
    assert.throws(() => h.merge(new Histogram(unitScale.ratio)));
  });

  it('round-trips through the wire encoding to the same figures as through HDR\'s, and refuses a malformed one', () => {
    for (const [scale, seed] of [[unitScale.ms, 3], [unitScale.ratio, 4], [1, 5]] as const) {
      const h = new Histogram(scale);
      for (const v of samples(5000, seed)) h.record(v);
      h.recordMany(0, 7);
      const wire = h.toWire();
      assert.ok(Histogram.isWire(wire) && !Histogram.isWire(h.toJSON()));
      assert.deepEqual(snapshot(Histogram.fromJSON(wire, scale)), snapshot(Histogram.fromJSON(h.toJSON(), scale)));
      assert.deepEqual(snapshot(Histogram.fromJSON(wire, scale)), snapshot(h));
    }
    const empty = new Histogram(unitScale.ms);
    assert.equal(Histogram.fromJSON(empty.toWire(), unitScale.ms).count, 0);
    for (const bad of ['w:1', 'w:x:0', 'w:,', 'w::3']) assert.throws(() => Histogram.fromJSON(bad, 1), /invalid histogram wire encoding/);
  });

  it('reuses the counts of a released histogram empty, and the reused one gives the same figures and round trip as a fresh one', () => {
    const old = new Histogram(unitScale.ms);
    for (let i = 1; i <= 500; i++) old.record(i * 3.7); // grows its counts well past what follows
    old.release();
    assert.equal(old.count, 0, 'released: empty');
    assert.equal(old.summary(), null);
    const random = seededRandom(11);
    const values = Array.from({ length: 300 }, () => random() * 40);
    const reused = new Histogram(unitScale.ms); // takes the released counts
    const fresh = new Histogram(unitScale.ms);
    old.record(1); // a released histogram records into counts of its own, not the reused one's
    for (const v of values) {
      reused.record(v);
      fresh.record(v);
    }
    assert.deepEqual(reused.summary(), fresh.summary());
    assert.equal(reused.mean, fresh.mean);
    assert.deepEqual(Histogram.fromJSON(reused.toJSON(), unitScale.ms).summary(), fresh.summary());
    assert.equal(old.count, 1);
  });
});
