import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiveStats } from '../../core/metrics/index.js';

const OPUS = 48_000;
const PER_MS = OPUS / 1000;

function counts(r: ReceiveStats): [number, number, number] {
  return [r.received, r.expected, r.lost];
}

/** Sends `seq` with an RTP timestamp and arrival consistent with 20 ms packetization from `seq0`. */
function on(r: ReceiveStats, seq: number, seq0 = 0): void {
  const i = seq - seq0;
  r.onPacket(seq, 1000 + i * 20, (i * 960) >>> 0);
}

describe('ReceiveStats jitter', () => {
  it('is 0 for constant spacing, across an RTP timestamp wrap', () => {
    const r = new ReceiveStats(OPUS);
    const rtp0 = 0xffffffff - 5 * 960; // wraps after 5 packets
    for (let i = 0; i < 50; i++) r.onPacket(7 + i, 123_456.789 + i * 20, (rtp0 + i * 960) >>> 0);
    assert.ok(r.jitterMs < 1e-9, `jitter ${r.jitterMs}`);
  });

  it('follows RFC 3550 J += (|D| - J) / 16 step by step', () => {
    const r = new ReceiveStats(OPUS);
    const arrivals = [1000, 1020, 1045, 1058, 1080];
    // D_i = (R_i - R_i-1) - (S_i - S_i-1) in timestamp units (48 per ms), S spaced 960:
    // D1 = 20*48 - 960 = 0      J1 = 0 + (0 - 0)/16           = 0
    // D2 = 25*48 - 960 = 240    J2 = 0 + (240 - 0)/16         = 15
    // D3 = 13*48 - 960 = -336   J3 = 15 + (336 - 15)/16       = 35.0625
    // D4 = 22*48 - 960 = 96     J4 = 35.0625 + (96 - 35.0625)/16 = 38.87109375
    const expectedUnits = [0, 0, 15, 35.0625, 38.87109375];
    arrivals.forEach((at, i) => {
      r.onPacket(500 + i, at, 90_000 + i * 960);
      assert.ok(Math.abs(r.jitterMs - expectedUnits[i]! / PER_MS) < 1e-12, `after packet ${i}: ${r.jitterMs}`);
    });
    assert.ok(Math.abs(r.jitterMs - 0.809814453125) < 1e-12);
  });

  it('uses arrival order for reordered packets and ignores duplicates', () => {
    const r = new ReceiveStats(OPUS);
    r.onPacket(0, 0, 0);
    r.onPacket(2, 40, 1920); // D = 40*48 - 1920 = 0
    assert.equal(r.onPacket(1, 41, 960), true); //  D = 1*48 - (960 - 1920) = 1008 → J = 1008/16 = 63 units
    assert.equal(r.jitterMs, 63 / PER_MS);
    assert.equal(r.onPacket(1, 500, 960), false); // duplicate: would be D = 459*48 = 22032 if counted
    assert.equal(r.jitterMs, 63 / PER_MS);
  });
});

describe('ReceiveStats loss', () => {
  it('counts gaps, late packets and duplicates from a non-zero start', () => {
    const r = new ReceiveStats(OPUS);
    const s0 = 1_000_000;
    assert.deepEqual(counts(r), [0, 0, 0]);
    for (const d of [0, 1, 2, 5, 6]) on(r, s0 + d, s0);
    assert.deepEqual(counts(r), [5, 7, 2]);
    on(r, s0 + 4, s0); // late, not a new expectation
    assert.deepEqual(counts(r), [6, 7, 1]);
    on(r, s0 + 5, s0); // duplicate
    on(r, s0 + 0, s0); // duplicate of the first
    assert.deepEqual(counts(r), [6, 7, 1]);
  });

  it('takeDelta returns counts since the previous call', () => {
    const r = new ReceiveStats(OPUS);
    for (const s of [10, 11, 13]) on(r, s, 10);
    assert.deepEqual(r.takeDelta(), { received: 3, expected: 4 });
    on(r, 12, 10); // late packet of the previous period
    on(r, 16, 10);
    assert.deepEqual(r.takeDelta(), { received: 2, expected: 3 });
    assert.deepEqual(r.takeDelta(), { received: 0, expected: 0 });
  });

  it('handles sequence numbers near 2^32', () => {
    const r = new ReceiveStats(OPUS);
    const s0 = 0xfffffff0;
    for (const s of [s0, s0 + 3, s0 + 1, s0 + 3, s0 + 15]) on(r, s, s0);
    assert.deepEqual(counts(r), [4, 16, 12]);
  });

  it('extends the expected range when a packet older than the first arrives', () => {
    const r = new ReceiveStats(OPUS);
    on(r, 100);
    on(r, 98);
    assert.deepEqual(counts(r), [2, 3, 1]);
    on(r, 99);
    assert.deepEqual(counts(r), [3, 3, 0]);
  });

  it('ignores packets older than the reorder window', () => {
    const w = ReceiveStats.reorderWindow;
    const r = new ReceiveStats(OPUS);
    on(r, 0);
    on(r, 2 * w + 1);
    on(r, w + 1); // exactly `w` behind: ignored
    assert.deepEqual(counts(r), [2, 2 * w + 2, 2 * w]);
    on(r, w + 2); // w - 1 behind: accepted
    on(r, w + 2);
    on(r, 2 * w); // shares its slot with 0, from before the jump
    assert.deepEqual(counts(r), [4, 2 * w + 2, 2 * w - 2]);
  });

  it('does not mistake reused window slots for duplicates', () => {
    const w = ReceiveStats.reorderWindow;
    const r = new ReceiveStats(OPUS);
    for (let s = 0; s < 2 * w; s++) on(r, s);
    assert.deepEqual(counts(r), [2 * w, 2 * w, 0]);

    const q = new ReceiveStats(OPUS);
    for (let s = 0; s <= 10; s++) on(q, s);
    on(q, w + 6); // skips w - 5 numbers; slot of w shared with 0
    on(q, w); // late, and not a duplicate of 0
    assert.deepEqual(counts(q), [13, w + 7, w - 6]);
  });

  it('tracks the last arrival, duplicates included', () => {
    const r = new ReceiveStats(OPUS);
    assert.equal(r.lastArrivalMs, -Infinity);
    r.onPacket(1, 50, 0);
    r.onPacket(1, 70, 0);
    assert.equal(r.lastArrivalMs, 70);
  });
});
