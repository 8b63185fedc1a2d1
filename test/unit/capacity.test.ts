import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { beyondRatio, describeEstimate, estimateCapacity, nearRatio, type MachineFacts } from '../../core/plan/capacity.js';
import { makePlan } from '../../core/plan/plan.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capacityFigures, defaultCapacityFigures, writeCapacityFigures } from '../../core/run/capacity-figures.js';
import { parseScenario, type Scenario } from '../../core/scenario/index.js';

/** `count` P.59 talkers with DTX in rooms of 6 on the bundled target, joining over 10 s. */
function talkers(count: number): Scenario {
  return parseScenario(
    `name: capacity\nduration: 20s\ntarget: { bundled: { nodes: 1, workersPerNode: 2 } }\nrooms: { count: ${Math.ceil(count / 6)}, size: 6 }\nfleet:\n  - { engine: werift, name: talkers, count: ${count}, rampUp: 10s, talk: { model: p59, dtx: true } }\n`,
    'capacity.yaml',
  );
}

const twoCores: MachineFacts = { cores: 2, memoryMB: 8192 };

function estimate(count: number, machine = twoCores): ReturnType<typeof estimateCapacity> {
  const scenario = talkers(count);
  return estimateCapacity(scenario, makePlan(scenario), machine, defaultCapacityFigures, machine.cores);
}

describe('capacity pre-check', () => {
  it('refuses a plan far beyond the machine, saying what it needs, from which figures, and on how many machines', () => {
    const million = estimate(1_000_000);
    assert.equal(million.verdict, 'beyond');
    assert.ok(million.neededCores / million.usableCores > beyondRatio, `${million.neededCores} cores needed`);
    assert.ok(million.machines > 1000, `${million.machines} machines`);
    const text = describeEstimate(million, 1_000_000, twoCores);
    assert.match(text, /^needs about [\d,.]+ cores and [\d,.]+ GiB; this machine gives 1\.8 cores \(90% of its 2\)/);
    assert.match(text, /1,000,000 bots, [\d,]+ media packets\/s sent and received/);
    assert.match(text, /per packet 25 µs for the bots and 25 µs for a bundled SFU, .*: built-in defaults/);
  });

  it('warns of a plan near the machine, and lets a small plan through', () => {
    // 300 talkers need about 1.4 times the 1.8 usable cores of 2: near, not beyond.
    const near = estimate(300);
    assert.equal(near.verdict, 'near');
    const ratio = near.neededCores / near.usableCores;
    assert.ok(ratio > nearRatio && ratio <= beyondRatio, `ratio ${ratio}`);
    assert.equal(estimate(24).verdict, 'fits');
    // The same 300 on 8 cores fit: the verdict is the machine's, not the plan's alone.
    assert.equal(estimate(300, { cores: 8, memoryMB: 8192 }).verdict, 'fits');
  });

  it('counts memory too: bots that fit the cores but not the memory are beyond', () => {
    assert.equal(estimate(24, { cores: 2, memoryMB: 8192 }).verdict, 'fits');
    assert.equal(estimate(24, { cores: 2, memoryMB: 20 }).verdict, 'beyond');
  });

  it('takes the bench\'s figures for this machine, but the default for one that is not a positive number (a noisy bench\'s negative RSS growth)', () => {
    const before = process.env.RTCSTORM_CACHE_DIR;
    process.env.RTCSTORM_CACHE_DIR = mkdtempSync(join(tmpdir(), 'rtcstorm-capacity-'));
    try {
      assert.equal(capacityFigures(), defaultCapacityFigures, 'nothing measured yet');
      writeCapacityFigures({ loaderPacketUs: 12.6, sfuPacketUs: 24.1, joinsPerCoreSecond: 59, botMB: -0.25 });
      const written = JSON.parse(readFileSync(join(process.env.RTCSTORM_CACHE_DIR, 'capacity.json'), 'utf8')) as { figures: Record<string, unknown> };
      assert.equal(written.figures.source, undefined, 'the file does not call its measured figures the defaults');
      const figures = capacityFigures();
      assert.deepEqual([figures.loaderPacketUs, figures.sfuPacketUs, figures.joinsPerCoreSecond, figures.botMB], [12.6, 24.1, 59, defaultCapacityFigures.botMB]);
      assert.match(figures.source, /measured by npm run bench on this machine, .* \(built-in defaults for botMB: not positive numbers there\)/);
      const million = talkers(1_000_000);
      assert.ok(estimateCapacity(million, makePlan(million), twoCores, figures, 2).neededMB > 0);
    } finally {
      if (before === undefined) delete process.env.RTCSTORM_CACHE_DIR;
      else process.env.RTCSTORM_CACHE_DIR = before;
    }
  });
});
