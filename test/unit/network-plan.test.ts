import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planNetwork } from '../../core/plan/network-plan.js';
import { makePlan } from '../../core/plan/plan.js';
import { parseScenario } from '../../core/scenario/index.js';

const scenario = (network: string, chaos = '', seed = 1) =>
  parseScenario(
    `name: plan
seed: ${seed}
duration: 60s
rooms: { count: 4, size: 5 }
fleet:
  - { engine: werift, name: voice, count: 12 }
  - { engine: werift, name: data, count: 4 }
  - { engine: browser, name: pages, count: 2 }
${network}
${chaos}`,
    'plan.yaml',
  );

const profiles = `network:
  profiles: { slow: { delay: 20ms }, lossy: { loss: 1% } }
  assign:`;

describe('network plan', () => {
  it('is null when the scenario leaves the network alone', () => {
    assert.equal(planNetwork(scenario('')), null);
  });

  it('shares are seeded: the same seed picks the same bots, another seed others; two 25% entries are different bots', () => {
    const yaml = `${profiles}
    - { bots: 25%, profile: slow }
    - { bots: 25%, profile: lossy, direction: up }`;
    const a = planNetwork(scenario(yaml))!;
    const again = planNetwork(scenario(yaml))!;
    const other = planNetwork(scenario(yaml, '', 2))!;
    assert.deepEqual([...again.bots], [...a.bots]);
    assert.notDeepEqual([...other.bots], [...a.bots]);
    const slow = [...a.bots].filter(([, p]) => p.down === 'slow').map(([id]) => id);
    const lossy = [...a.bots].filter(([, p]) => p.up === 'lossy').map(([id]) => id);
    // 25% of the 16 werift bots (browsers are not impaired).
    assert.equal(slow.length, 4);
    assert.equal(lossy.length, 4);
    assert.deepEqual(slow.filter((id) => lossy.includes(id)), []);
    const browsers = makePlan(scenario(yaml)).bots.filter((b) => b.engine === 'browser').map((b) => b.id);
    assert.ok(browsers.every((id) => !a.bots.has(id)));
  });

  it('group and rooms pick their members; a later entry replaces an earlier one per direction', () => {
    const s = scenario(`${profiles}
    - { group: data, profile: slow }
    - { rooms: [1], profile: lossy, direction: down }`);
    const plan = planNetwork(s)!;
    for (const bot of makePlan(s).bots.filter((b) => b.engine === 'werift')) {
      const expected = { ...(bot.group === 'data' ? { up: 'slow', down: 'slow' } : {}), ...(bot.room === 1 ? { down: 'lossy' } : {}) };
      assert.deepEqual(plan.bots.get(bot.id) ?? {}, expected, `bot-${bot.id} (${bot.group}, room ${bot.room})`);
    }
  });

  it('impair steps pick their own bots, which go through the relay from the start; a partition takes every werift bot', () => {
    const s = scenario(`${profiles} []`, 'chaos:\n  - { at: 10s, action: impair, bots: 50%, profile: lossy }');
    const plan = planNetwork(s)!;
    assert.equal(plan.impairs.get(0)!.length, 8);
    assert.deepEqual([...plan.bots.keys()].sort((a, b) => a - b), [...plan.impairs.get(0)!].sort((a, b) => a - b));
    assert.deepEqual([...plan.usedProfiles], ['lossy']);
    const cut = planNetwork(scenario('', 'chaos:\n  - { at: 10s, action: partition, target: node-0 }'))!;
    assert.equal(cut.bots.size, 16);
  });
});
