/** The video bot's simulcast ladder and how an available bitrate is shared among its layers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateLayers, simulcastLadder } from '../../bots/video/simulcast.js';

describe('simulcast', () => {
  it('a 3-layer ladder of 640×360 at 1,000 kb/s: quarter, half and full size, smaller layers dearer per pixel', () => {
    const ladder = simulcastLadder(640, 360, 1000, 3);
    assert.deepEqual(ladder.map((l) => [l.width, l.height]), [[160, 90], [320, 180], [640, 360]]);
    const total = ladder.reduce((n, l) => n + l.targetKbps, 0);
    assert.ok(Math.abs(total - 1000) <= 2, `targets add up to ${total}`);
    const perPixel = ladder.map((l) => l.targetKbps / (l.width * l.height));
    assert.ok(perPixel[0]! > perPixel[1]! && perPixel[1]! > perPixel[2]!, JSON.stringify(perPixel));
    assert.deepEqual(simulcastLadder(640, 360, 500, 1).map((l) => [l.width, l.targetKbps]), [[640, 500]]);
  });

  it('fills layers from the lowest, pauses those the rest cannot start, gives the rest to the top one', () => {
    const ladder = simulcastLadder(640, 360, 1000, 3);
    const [low, mid, top] = ladder;
    assert.deepEqual(allocateLayers(2000, ladder), [low!.targetKbps, mid!.targetKbps, top!.maxKbps], 'plenty: the top layer up to its maximum');
    assert.deepEqual(allocateLayers(1000, ladder), ladder.map((l) => l.targetKbps));
    const tight = allocateLayers(low!.targetKbps + mid!.targetKbps + top!.minKbps - 1, ladder);
    assert.equal(tight[2], 0, 'the top layer pauses when its minimum is not left');
    assert.ok(tight[1]! > mid!.targetKbps && tight[1]! <= mid!.maxKbps, 'the rest goes to the highest layer sent');
    assert.deepEqual(allocateLayers(10, ladder), [low!.minKbps, 0, 0], 'the lowest layer is always sent, at least at its minimum');
  });
});
