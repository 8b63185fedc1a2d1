import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePlan, peerIdOf, processSlice, publishersByRoom, targetRoomId } from '../../core/plan/plan.js';
import { parseScenario } from '../../core/scenario/index.js';

const scenario = (seed: number) =>
  parseScenario(
    `
name: plan
seed: ${seed}
duration: 30s
rooms: { count: 3, size: 5 }
fleet:
  - engine: werift
    name: a
    count: 8
    rampUp: 4s
  - engine: werift
    name: b
    count: 5
`,
    'plan.yaml',
  );

describe('plan', () => {
  it('is the same for the same seed and differs for another', () => {
    assert.deepEqual(makePlan(scenario(7)), makePlan(scenario(7)));
    assert.notDeepEqual(makePlan(scenario(7)).bots, makePlan(scenario(8)).bots);
  });

  it('seats every bot, rooms within one of each other and never over size', () => {
    const plan = makePlan(scenario(3));
    const sizes = [0, 0, 0];
    for (const bot of plan.bots) sizes[bot.room]!++;
    assert.equal(sizes.reduce((a, b) => a + b), 13);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1 && Math.max(...sizes) <= 5, `sizes ${sizes.join(', ')}`);
  });

  it('spreads each group over its ramp-up, in a seeded order', () => {
    const plan = makePlan(scenario(3));
    const a = plan.bots.filter((b) => b.group === 'a').map((b) => b.joinAtMs).sort((x, y) => x - y);
    assert.deepEqual(a, [0, 500, 1000, 1500, 2000, 2500, 3000, 3500]);
    assert.ok(plan.bots.filter((b) => b.group === 'b').every((b) => b.joinAtMs === 0));
    assert.deepEqual(plan.bots.map((b) => b.id), [...Array(13).keys()]);
  });

  it('slices the plan across processes without loss or overlap', () => {
    const plan = makePlan(scenario(3));
    const slices = [0, 1, 2].map((i) => processSlice(plan, i, 3));
    assert.deepEqual(slices.flat().map((b) => b.id).sort((x, y) => x - y), plan.bots.map((b) => b.id));
  });
});

describe('names at the target, from the plan', () => {
  it('room ids carry the run tag; peer ids the engine; each room lists its speakers, every bot once', () => {
    assert.equal(targetRoomId('ab12cd', 2), 'ab12cd-room-2');
    assert.equal(peerIdOf({ engine: 'browser', id: 7 }), 'browser-7');
    assert.equal(peerIdOf({ engine: 'werift', id: 3 }), 'bot-3');
    const plan = makePlan(scenario(4));
    const rooms = publishersByRoom(plan, 'ab12cd');
    assert.deepEqual(rooms.map((r) => r.roomId), ['ab12cd-room-0', 'ab12cd-room-1', 'ab12cd-room-2']);
    for (const [index, room] of rooms.entries()) {
      assert.deepEqual(room.publishers, plan.bots.filter((b) => b.room === index).map((b) => `bot-${b.id}`));
    }
    assert.equal(rooms.flatMap((r) => r.publishers).length, 13);
  });
});
