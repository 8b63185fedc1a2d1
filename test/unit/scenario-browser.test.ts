import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePlan } from '../../core/plan/plan.js';
import { parseScenario, ScenarioError } from '../../core/scenario/index.js';

const mixed = (browsers: string) =>
  parseScenario(
    `
name: mixed
duration: 10s
rooms: { count: 2, size: 4 }
fleet:
  - engine: werift
    count: 6
${browsers}
`,
    'mixed.yaml',
  );

describe('browser fleet groups', () => {
  it('default to 2 pages per browser process, 20 ms Opus and no video', () => {
    const scenario = mixed('  - engine: browser\n    count: 2');
    assert.deepEqual(scenario.fleet[1], {
      engine: 'browser',
      name: 'browser',
      count: 2,
      perProcess: 2,
      rampUpMs: 0,
      audio: { codec: 'opus', ptimeMs: 20, bitrateKbps: 32 },
      video: null,
    });
  });

  it('take a VP8 video spec', () => {
    const scenario = mixed('  - engine: browser\n    count: 2\n    perProcess: 1\n    video: { codec: vp8, width: 640, height: 360, fps: 15 }');
    assert.deepEqual(scenario.fleet[1]!.engine === 'browser' && scenario.fleet[1]!.video, { codec: 'vp8', width: 640, height: 360, fps: 15 });
  });

  it('take seats in the same rooms as werift bots, and the rooms must hold them all', () => {
    const plan = makePlan(mixed('  - engine: browser\n    count: 2\n    video: { width: 320, height: 180, fps: 10 }'));
    assert.equal(plan.bots.length, 8);
    const browsers = plan.bots.filter((b) => b.engine === 'browser');
    assert.deepEqual(browsers.map((b) => b.group), ['browser', 'browser']);
    assert.ok(browsers.every((b) => b.video?.codec === 'vp8' && b.room >= 0 && b.room < 2));
    assert.ok(plan.bots.filter((b) => b.engine === 'werift').every((b) => b.video === null));
    assert.deepEqual([0, 1].map((room) => plan.bots.filter((b) => b.room === room).length), [4, 4]);
    assert.throws(() => mixed('  - engine: browser\n    count: 3'), (error: ScenarioError) => /fleet has 9 bots but rooms hold at most 8/.test(error.message));
  });

  it('reject an unknown video codec', () => {
    assert.throws(() => mixed('  - engine: browser\n    count: 1\n    video: { codec: h264, width: 640, height: 360, fps: 15 }'), ScenarioError);
  });
});
