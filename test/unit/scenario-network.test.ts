import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { loadScenario, parseScenario } from '../../core/scenario/index.js';
import { scenarioProblems as problems } from '../helpers/scenario-problems.js';

const scenario = (rest: string, fleet = '  - { engine: werift, name: voice, count: 8 }\n  - { engine: werift, name: data, count: 4 }') => `name: net
duration: 60s
target: { bundled: { nodes: 2, workersPerNode: 1 } }
rooms: { count: 4, size: 4 }
fleet:
${fleet}
${rest}`;


describe('network section and network chaos in the scenario', () => {
  it('reads profiles (percentages as fractions, durations in ms), assignments and impair/partition steps', () => {
    const parsed = parseScenario(
      scenario(`network:
  profiles:
    lossy-4g: { loss: 2%, delay: 45ms, jitter: 15ms, rateKbps: 5000 }
    burst: { lossModel: { gilbertElliott: { p: 0.05, r: 50% } } }
    cut: { blackhole: true, duplicate: 0.5% }
  assign:
    - { bots: 25%, profile: lossy-4g }
    - { group: data, profile: burst, direction: up }
    - { rooms: [3, 0, 3], profile: cut, direction: down }
chaos:
  - { at: 30s, action: impair, bots: 50%, profile: burst, for: 20s }
  - { at: 55s, action: partition, target: node-1 }`),
      'net.yaml',
    );
    assert.deepEqual(parsed.network, {
      backend: 'userspace',
      profiles: {
        'lossy-4g': { loss: { kind: 'random', ratio: 0.02 }, delayMs: 45, jitter: { ms: 15, distribution: 'uniform', reorder: false }, duplicateRatio: 0, rate: { kbps: 5000, queueLimit: 100 }, blackhole: false },
        burst: { loss: { kind: 'gilbert-elliott', p: 0.05, r: 0.5, lossInBad: 1, lossInGood: 0 }, delayMs: 0, jitter: null, duplicateRatio: 0, rate: null, blackhole: false },
        cut: { loss: null, delayMs: 0, jitter: null, duplicateRatio: 0.005, rate: null, blackhole: true },
      },
      assign: [
        { bots: { kind: 'share', ratio: 0.25 }, profile: 'lossy-4g', direction: 'both' },
        { bots: { kind: 'group', name: 'data' }, profile: 'burst', direction: 'up' },
        { bots: { kind: 'rooms', rooms: [0, 3] }, profile: 'cut', direction: 'down' },
      ],
    });
    assert.deepEqual(parsed.chaos, [
      { atMs: 30_000, action: 'impair', bots: { kind: 'share', ratio: 0.5 }, profile: 'burst', direction: 'both', forMs: 20_000 },
      { atMs: 55_000, action: 'partition', target: 'node-1', forMs: null },
    ]);
  });

  it('the shipped lossy-network scenario is valid: a mobile group impaired both ways, an impair step and a partition', () => {
    const shipped = loadScenario(join(packageRoot, 'scenarios/lossy-network.yaml'));
    assert.deepEqual(shipped.network?.assign, [{ bots: { kind: 'group', name: 'mobile' }, profile: 'lossy-4g', direction: 'both' }]);
    assert.deepEqual(shipped.chaos.map((step) => step.action), ['impair', 'partition']);
  });

  it('a scenario without a network section has network null', () => {
    assert.equal(parseScenario(scenario(''), 'net.yaml').network, null);
  });

  it('names every problem: bad percentages, unknown profiles (listing the defined ones), selectors, keys that need others', () => {
    const found = problems(
      scenario(`network:
  profiles:
    good: { loss: 150%, jitter: 5ms, distribution: cauchy }
    odd: { loss: 1%, lossModel: { gilbertElliott: { p: 1%, r: 0 } }, reorder: true, queueLimit: 10 }
  assign:
    - { bots: 25%, profile: nope }
    - { profile: good }
    - { group: voice, rooms: [1], profile: good }
    - { group: ghost, profile: good }
    - { rooms: [7], profile: good }
chaos:
  - { at: 10s, action: impair, group: data, profile: missing, for: 55s }
  - { at: 20s, action: partition, target: node-5, for: 5s }`),
    );
    assert.deepEqual(found, [
      '10: network.profiles.good.loss: must be a percentage from 0% to 100% such as "2%", or a fraction from 0 to 1 (got "150%")',
      `10: network.profiles.good.distribution: must be one of "uniform", "normal", "pareto" (got "cauchy")`,
      '11: network.profiles.odd.lossModel: set either loss (random loss) or lossModel, not both',
      '11: network.profiles.odd.lossModel.gilbertElliott.r: must be greater than 0: with r = 0 the bad state never ends',
      '11: network.profiles.odd.reorder: only applies together with jitter',
      '11: network.profiles.odd.queueLimit: only applies together with rateKbps or trace',
      '13: network.assign[0].profile: unknown profile "nope"; defined profiles: good, odd',
      '14: network.assign[1]: must pick bots with exactly one of bots (a share such as "25%"), group (a fleet group name) or rooms (room indices) (got none)',
      '15: network.assign[2]: must pick bots with exactly one of bots (a share such as "25%"), group (a fleet group name) or rooms (room indices) (got group and rooms)',
      '16: network.assign[3].group: no fleet group "ghost"; werift groups: voice, data',
      '17: network.assign[4].rooms: no room 7: rooms are 0 … 3 (rooms.count 4)',
      '19: chaos[0].profile: unknown profile "missing"; defined profiles: good, odd',
      '19: chaos[0].for: impair ends at 1m5s, after the scenario ends at 1m',
      '20: chaos[1].target: no such node: the bundled target has nodes node-0 … node-1 (got node-5)',
    ]);
  });

  it('the kernel backend takes whole groups only; browsers and k6 cannot be impaired', () => {
    const found = problems(
      scenario(
        `network:
  backend: kernel
  profiles: { slow: { delay: 20ms } }
  assign:
    - { bots: 50%, profile: slow }
    - { group: pages, profile: slow }`,
        '  - { engine: werift, name: voice, count: 8 }\n  - { engine: browser, name: pages, count: 2 }',
      ),
    );
    assert.deepEqual(found, [
      '12: network.assign[0].bots: backend kernel impairs whole fleet groups (each runs in its own network namespace): pick bots with group: <name>, or use backend: userspace',
      '13: network.assign[1].group: "pages" is a browser group; only werift bots can be impaired (werift groups: voice)',
    ]);
  });

  it('the kernel backend reaches a target through loopback only', () => {
    const yaml = scenario('network: { backend: kernel }').replace('target: { bundled: { nodes: 2, workersPerNode: 1 } }', 'target: { url: "ws://192.0.2.1:4443", allowNonLoopback: true }');
    assert.deepEqual(problems(yaml), ['8: network.backend: backend kernel reaches the target through loopback only: use the bundled target or a loopback target.url, or backend: userspace']);
  });

  it('network chaos without werift bots is refused', () => {
    const found = problems(scenario('chaos:\n  - { at: 1s, action: partition, target: node-0 }', '  - { engine: browser, name: pages, count: 2 }'));
    assert.deepEqual(found, ['8: chaos[0].action: network impairment applies to werift bots, and the fleet has no werift group']);
  });
});
