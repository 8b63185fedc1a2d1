import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScenario } from '../../core/scenario/index.js';
import { scenarioProblems as problems } from '../helpers/scenario-problems.js';

const base = (chaos: string, target = 'target: { bundled: { nodes: 2, workersPerNode: 2 } }') => `name: chaos
duration: 60s
${target}
rooms: { count: 2, size: 4 }
fleet:
  - engine: werift
    count: 8
chaos:
${chaos}`;


describe('chaos timeline in the scenario', () => {
  it('parses every process action with its times in ms', () => {
    const scenario = parseScenario(
      base(`  - { at: 20s, action: kill-node, target: node-1 }
  - { at: 25s, action: kill-worker, target: node-0/worker-1 }
  - { at: 30s, action: pause-node, target: busiest, for: 5s }
  - { at: 40s, action: restart-node, target: node-1 }
  - { at: 50s, action: exec, command: ["true"] }
recovery: { mediaTimeout: 1500ms }`),
      'chaos.yaml',
    );
    assert.deepEqual(scenario.chaos, [
      { atMs: 20_000, action: 'kill-node', target: 'node-1' },
      { atMs: 25_000, action: 'kill-worker', target: 'node-0/worker-1' },
      { atMs: 30_000, action: 'pause-node', target: 'busiest', forMs: 5_000 },
      { atMs: 40_000, action: 'restart-node', target: 'node-1' },
      { atMs: 50_000, action: 'exec', command: ['true'], timeoutMs: 30_000 },
    ]);
    assert.deepEqual(scenario.recovery, { mediaTimeoutMs: 1500, gapThresholdMs: 500, backoffInitialMs: 250, backoffMaxMs: 4000 });
  });

  it('names the step for a target that does not exist, a time past the end and overlapping pauses', () => {
    const found = problems(
      base(`  - { at: 10s, action: kill-node, target: node-2 }
  - { at: 10s, action: kill-worker, target: node-0/worker-2 }
  - { at: 61s, action: kill-node, target: node-0 }
  - { at: 20s, action: pause-node, target: node-0, for: 10s }
  - { at: 25s, action: pause-node, target: node-0, for: 1s }
  - { at: 58s, action: pause-node, target: node-1, for: 5s }`),
    );
    assert.deepEqual(found, [
      '9: chaos[0].target: no such node: the bundled target has nodes node-0 … node-1 (got node-2)',
      '10: chaos[1].target: no such worker: each node has worker-0 … worker-1 (got node-0/worker-2)',
      '11: chaos[2].at: must be before the scenario ends at 1m (got 1m1s)',
      '13: chaos[4]: overlaps the pause of chaos[3] (node-0 from 20s to 30s); pauses of one node must not overlap',
      '14: chaos[5].for: pause ends at 1m3s, after the scenario ends at 1m',
    ]);
  });

  it('refuses process chaos on an external target and bad action names', () => {
    const found = problems(base(`  - { at: 1s, action: kill-node, target: node-0 }
  - { at: 1s, action: explode }`, 'target: { url: "ws://127.0.0.1:1" }'));
    assert.equal(found.length, 2);
    assert.match(found[0]!, /chaos\[0\]\.action: kill-node needs a target rtcstorm starts and controls \(target\.bundled, target\.janus with instances, target\.whip with launch, or target\.launch\)/);
    assert.match(found[1]!, /chaos\[1\]\.action: .*kill-node.*exec/);
  });

  it('takes node chaos on the Janus behind launched WHIP/WHEP servers (node-0 only); refuses it on external WHIP/WHEP servers, naming the step', () => {
    assert.deepEqual(problems(base('  - { at: 1s, action: kill-node, target: node-0 }\n  - { at: 2s, action: restart-node, target: node-0 }\n  - { at: 3s, action: pause-node, target: node-0, for: 1s }', 'target: { whip: { launch: true } }')), []);
    const launched = problems(base('  - { at: 1s, action: kill-node, target: node-1 }\n  - { at: 2s, action: kill-worker, target: node-0/worker-0 }', 'target: { whip: { launch: true } }'));
    assert.deepEqual(launched.map((f) => f.replace(/^\d+: /, '')), [
      'chaos[0].target: no such node: the Janus behind the launched WHIP/WHEP servers is node-0 (got node-1)',
      'chaos[1].action: kill-worker needs the bundled target: only its nodes have mediasoup workers (kill-node, pause-node and restart-node work on a launched Janus, and on the Janus behind launched WHIP/WHEP servers)',
    ]);
    const external = problems(base('  - { at: 1s, action: restart-node, target: node-0 }', 'target: { whip: { publish: "http://127.0.0.1:1/whip/{room}-{peer}", subscribe: "http://127.0.0.1:1/whep/{room}-{peer}" } }'));
    assert.deepEqual(external.map((f) => f.replace(/^\d+: /, '')), ['chaos[0].action: restart-node needs a target rtcstorm starts and controls (target.bundled, target.janus with instances, target.whip with launch, or target.launch); for an external target use action: exec']);
  });
});
