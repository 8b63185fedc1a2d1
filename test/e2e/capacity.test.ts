/**
 * Capacity searches end to end through the CLI: the real bundled target, real werift bots, each
 * step judged on its hold window, the run stopped at the first step that does not hold.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Report } from '../../reports/report-types.js';
import { runCli, tempDir, writeScenario } from '../helpers/cli.js';
import { waitForNoProjectProcesses } from '../helpers/processes.js';

/** Rooms of 4 bots; each step adds one room, ramps for 1 s and holds 3 s. */
function searchScenario(name: string, slo: string, extra = '', max = 2): string {
  return writeScenario(`
name: ${name}
seed: 4
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 4 }
fleet:
  - { engine: werift, name: voice, count: 4 }
${extra}
capacity:
  start: { rooms: 1 }
  grow: { rooms: 1 }
  max: { rooms: ${max} }
  ramp: 1s
  hold: 3s
  slo: ${slo}
`);
}

async function search(file: string): Promise<{ code: number | null; stdout: string; stderr: string; report: Report; out: string }> {
  const out = tempDir('capacity');
  const result = await runCli(['run', file, '--out', out]);
  return { ...result, out, report: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report };
}

describe('rtcstorm run with capacity:', () => {
  it('holds every step of a generous search: max reached, exit 0 (rtcstorm capacity on a scenario of fixed load)', async () => {
    // A plain scenario: its thresholds become the SLOs, its rooms the step.
    const file = writeScenario(`
name: generous
seed: 4
duration: 10s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 4 }
fleet:
  - { engine: werift, name: voice, count: 4, rampUp: 2s }
thresholds: { e2e_latency_ms: ["p(99)<1000"], packet_loss_ratio: ["value<0.2"], join_time_ms: ["p(95)<5000"] }
`);
    const out = tempDir('capacity');
    const { code, stdout, stderr } = await runCli(['capacity', file, '--max', '2', '--ramp', '1s', '--hold', '3s', '--out', out]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    assert.equal(code, 0, stderr + stdout);
    assert.match(report.scenario.source, /capacity:\n {2}start:\n {4}rooms: 1\n/);
    const capacity = report.capacity!;
    assert.equal(capacity.outcome, 'max-reached');
    assert.deepEqual(capacity.steps.map((s) => [s.rooms, s.bots, s.outcome]), [[1, 4, 'held'], [2, 8, 'held']]);
    assert.equal(capacity.held?.bots, 8);
    for (const step of capacity.steps) {
      // Each step's SLOs are measured on its own window, with media flowing through the target.
      assert.ok(step.slo.every((s) => s.ok && s.value !== null), JSON.stringify(step.slo));
      assert.ok(step.packetsOutPerSecond > step.packetsInPerSecond * 2, JSON.stringify(step));
      assert.ok((step.targetCpuPercent['node-0'] ?? 0) > 0, JSON.stringify(step.targetCpuPercent));
    }
    assert.match(stdout, /CAPACITY: 8 bots in 2 rooms: max reached, every step held/);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<h2>Capacity<\/h2>/);
    assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testcase name="step 1: 8 bots in 2 rooms" classname="rtcstorm.generous.capacity"/);
  });

  it('breaks at the first step on an SLO no load meets: capacity 0, the SLO named, the run stopped there', async () => {
    const { code, stdout, stderr, report } = await search(searchScenario('impossible', '{ e2e_latency_ms: ["p(50)<0.001"] }', '', 4));
    assert.equal(code, 0, stderr + stdout);
    const capacity = report.capacity!;
    assert.equal(capacity.outcome, 'target-limit');
    assert.equal(capacity.held, null);
    assert.equal(capacity.broke?.step.index, 0);
    assert.equal(capacity.broke?.slo?.metric, 'e2e_latency_ms');
    assert.ok((capacity.broke?.slo?.value ?? 0) > 0.001);
    assert.deepEqual(capacity.steps.map((s) => s.outcome), ['target-limit']);
    // Planned: the bots of the steps that began (step 1 began while step 0 was judged), not the 16 of all four.
    assert.deepEqual(report.bots, { planned: 8, joined: 8, failed: 0 });
    // Judged 2.5 s after the step's 4 s: the other three steps (12 s) never ran.
    assert.equal(report.complete, true);
    assert.ok(report.durationMs < 9000, `ran ${report.durationMs} ms`);
    assert.match(stdout, /CAPACITY: 0 bots \(no step held\); the target broke at 4 bots in 1 room \(e2e_latency_ms p\(50\)<0.001 was [\d.]+\)/);
    assert.deepEqual(await waitForNoProjectProcesses(), []);
  });

  it('exits 99 when the capacity found is below capacity.min', async () => {
    const file = searchScenario('below-min', '{ e2e_latency_ms: ["p(50)<0.001"] }').replace(/$/, '');
    const yaml = readFileSync(file, 'utf8').replace('  slo:', '  min: { bots: 8 }\n  slo:');
    const { code, stdout, report } = await search(writeScenario(yaml));
    assert.equal(code, 99, stdout);
    assert.deepEqual(report.capacity?.min, { bots: 8, rooms: null, met: false });
    assert.match(stdout, /FAILED: capacity 0 bots \(no step held\).*below capacity.min 8 bots/);
  });

  it('refines with probe runs between the last step held and the first broken', async () => {
    // An SLO that breaks at a known load: fewer than 10 joins in a step. Rooms of 2; step 0 adds 1 room
    // (2 joins), step 1 adds 6 (12 joins: broken). Probes of one step each: 4 rooms (8 joins) holds, 5 (10) breaks.
    const file = writeScenario(`
name: refined
seed: 2
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 2 }
fleet:
  - { engine: werift, count: 2 }
capacity: { start: { rooms: 1 }, grow: { rooms: 6 }, max: { rooms: 13 }, ramp: 1s, hold: 2s, refine: true, slo: { bots_joined: ["count<10"] } }
`);
    const { code, stdout, stderr, report, out } = await search(file);
    assert.equal(code, 0, stderr + stdout);
    const capacity = report.capacity!;
    assert.deepEqual(capacity.steps.map((s) => [s.probe, s.rooms, s.outcome]), [
      [false, 1, 'held'],
      [false, 7, 'target-limit'],
      [true, 4, 'held'],
      [true, 5, 'target-limit'],
    ]);
    assert.deepEqual([capacity.held?.rooms, capacity.broke?.step.rooms], [4, 5]);
    assert.match(stdout + stderr, /refining: probe 0, 4 rooms \(between 1 held and 7 broken\)/);
    assert.ok(existsSync(join(out, 'probe-0-4-rooms', 'report.json')) && existsSync(join(out, 'probe-1-5-rooms', 'report.json')));
    // report.json and its writers were rewritten with the probes.
    assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /CAPACITY: 8 bots in 4 rooms; the target broke at 10 bots in 5 rooms/);
  });

  it('ends at the loader limit, never a target figure, when the harness gives out first', async () => {
    // Harness limits this tight stand for a loader pushed past its machine: a fleet process over 1% of a core for 2 s.
    const { code, stdout, report } = await search(searchScenario('loader-bound', '{ e2e_latency_ms: ["p(99)<1000"] }', 'harness: { maxCpuPercent: 1, sustainedFor: 2s }'));
    assert.equal(code, 2, stdout);
    const capacity = report.capacity!;
    assert.equal(capacity.outcome, 'loader-limit');
    assert.equal(capacity.broke?.step.outcome, 'loader-limit');
    assert.match(capacity.broke?.step.reason ?? '', /loader saturated \(fleet-\d: CPU over 1% of a core/);
    assert.match(stdout, /INVALID: capacity at least .*the loader, not the target, ran out at .*: add fleet processes \(--processes\) or shards \(--shard\)/);
  });
});
