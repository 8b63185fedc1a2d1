import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../core/plan/random.js';
import { TalkModel, type PacketKind } from '../../bots/talk-model.js';

function simulate(seed: number, seconds: number, dtx = true): PacketKind[] {
  const model = new TalkModel({ model: 'p59', dtx }, seededRandom(seed));
  return [...Array((seconds * 1000) / 20).keys()].map((i) => model.next(i * 20));
}

describe('talk model', () => {
  it('talks about 38.7% of the time with spurts of about 1 s (P.59), over an hour of simulated speech', () => {
    const packets = simulate(1, 3600);
    const speech = packets.filter((p) => p === 'speech').length;
    assert.ok(Math.abs(speech / packets.length - 0.387) < 0.02, `activity ${(speech / packets.length).toFixed(3)}`);
    const spurts: number[] = [];
    let run = 0;
    for (const p of packets) {
      if (p === 'speech') run++;
      else if (run > 0) {
        spurts.push(run * 20);
        run = 0;
      }
    }
    const mean = spurts.reduce((a, b) => a + b, 0) / spurts.length;
    // Exponential spurts quantised to 20 ms packets: the mean sits within a packet of 1004 ms.
    assert.ok(Math.abs(mean - 1004) < 60, `mean spurt ${mean.toFixed(0)} ms over ${spurts.length} spurts`);
  });

  it('sends one comfort-noise packet every 400 ms in pauses with DTX, nothing without', () => {
    const withDtx = simulate(2, 600);
    // Gaps between comfort-noise packets of one pause (only silence between them).
    const gaps: number[] = [];
    let last = -1;
    withDtx.forEach((p, i) => {
      if (p === 'speech') last = -1;
      if (p !== 'comfort-noise') return;
      if (last >= 0) gaps.push((i - last) * 20);
      last = i;
    });
    assert.ok(gaps.length > 100 && gaps.every((g) => g === 400), `gaps ${[...new Set(gaps)].join(', ')}`);
    assert.ok(!simulate(2, 600, false).includes('comfort-noise'));
  });

  it('is the same sequence for the same seed and differs for another', () => {
    assert.deepEqual(simulate(9, 60), simulate(9, 60));
    assert.notDeepEqual(simulate(9, 60), simulate(10, 60));
  });

  it('always talks in the always model', () => {
    const model = new TalkModel({ model: 'always' }, seededRandom(1));
    assert.ok([...Array(100).keys()].every((i) => model.next(i * 20) === 'speech'));
  });
});
