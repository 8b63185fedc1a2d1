import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleetProcessCount, type FleetProcessBudget } from '../../core/plan/fleet-processes.js';
import { makePlan } from '../../core/plan/plan.js';
import { parseScenario } from '../../core/scenario/index.js';

const budget: FleetProcessBudget = { botsPerProcess: 256, videoBotWeight: 10, joinsPerProcessSecond: 50 };

/** `count` werift bots in rooms of 8 joining over `rampUp`, with video when asked. */
function processesFor(count: number, rampUp: string, cores: number, video = false, given = budget): number {
  const scenario = parseScenario(
    `name: layout\nduration: 120s\ntarget: { bundled: { nodes: 1, workersPerNode: 1 } }\nrooms: { count: ${Math.ceil(count / 8)}, size: 8 }\nfleet:\n  - { engine: werift, name: g, count: ${count}, rampUp: ${rampUp}${video ? ', video: { simulcast: 1 }' : ''} }\n`,
    'layout.yaml',
  );
  return fleetProcessCount(scenario, makePlan(scenario).bots, cores, given);
}

describe('fleet processes when --processes is not given', () => {
  it('gives a small run one process, however many cores', () => {
    assert.equal(processesFor(8, '2s', 16), 1);
    assert.equal(processesFor(256, '20s', 16), 1);
  });

  it('adds a process per 256 voice bots, up to one per core', () => {
    assert.equal(processesFor(257, '20s', 16), 2);
    assert.equal(processesFor(1000, '60s', 16), 4);
    assert.equal(processesFor(1000, '60s', 2), 2);
  });

  it('weighs a video bot as ten voice bots', () => {
    assert.equal(processesFor(25, '20s', 16, true), 1);
    assert.equal(processesFor(26, '20s', 16, true), 2);
  });

  it('adds processes for a fast ramp: 50 peer connections a second each', () => {
    // 64 speakers open 128 peer connections in 1 s: three processes' worth.
    assert.equal(processesFor(64, '1s', 16), 3);
    assert.equal(processesFor(64, '1s', 2), 2);
    assert.equal(processesFor(200, '0s', 16), 8);
    // Never more processes than bots: 3 speakers open 6 peer connections at once.
    assert.equal(processesFor(3, '0s', 16, false, { ...budget, joinsPerProcessSecond: 1 }), 3);
  });
});
