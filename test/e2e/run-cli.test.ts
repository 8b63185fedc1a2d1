/**
 * The CLI end to end, as a user runs it: real bundled mediasoup target, real werift bots in fleet
 * processes, real report files and exit codes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../core/paths.js';
import type { Report } from '../../reports/report-types.js';
import { runCli, startCli, tempDir, writeScenario } from '../helpers/cli.js';
import { projectProcesses, waitForNoProjectProcesses } from '../helpers/processes.js';

function readReport(dir: string): Report {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
}

describe('rtcstorm run', () => {
  it('runs the shipped quickstart on the bundled target and meets its thresholds', async () => {
    const out = tempDir('quickstart');
    const result = await runCli(['run', join(packageRoot, 'scenarios/quickstart.yaml'), '--out', out]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = readReport(out);
    assert.equal(report.complete, true);
    assert.deepEqual(report.bots, { planned: 8, joined: 8, failed: 0 });
    // 8 bots in rooms of 4: every packet is expected by the 3 other members of its room.
    assert.ok(report.packets.sent > 8 * 40, `sent ${report.packets.sent}`);
    assert.ok(report.packets.received > 2.5 * report.packets.sent, `received ${report.packets.received} of sent ${report.packets.sent}`);
    assert.equal(report.metrics.e2e_latency_ms?.count, report.packets.received);
    assert.ok(report.thresholds.length === 3 && report.thresholds.every((t) => t.ok));
    assert.equal(report.timeline.length, 20);
    assert.ok(report.timeline.at(-1)!.botsConnected === 8);
    assert.ok(report.groups.voice && report.groups.voice.bots.joined === 8);
    assert.ok(report.harness.processes.length >= 1 && report.harness.processes.every((p) => p.eventLoopLagP99Ms !== null));
    const machine = report.harness.machine!;
    assert.equal(machine.cores, availableParallelism());
    assert.ok(machine.cpuPercentMedian > 0 && machine.cpuPercentMedian <= machine.cpuPercentMax && machine.cpuPercentMax < 90, JSON.stringify(machine));
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    assert.match(summary, /PASSED/);
    assert.match(summary, /fleet and target at \d+% of the machine's \d+ cores \(median second\), \d+% at most\./);
    assert.deepEqual(await waitForNoProjectProcesses(), []);
  });

  it('exits 99 when a threshold cannot be met', async () => {
    const out = tempDir('impossible');
    const file = writeScenario(`
name: impossible
duration: 4s
target: { bundled: { workersPerNode: 1 } }
rooms: { count: 1, size: 2 }
fleet:
  - engine: werift
    count: 2
thresholds:
  e2e_latency_ms: ["p(50)<0.001"]
  packet_loss_ratio: ["value<0.5"]
`);
    const result = await runCli(['run', file, '--out', out]);
    assert.equal(result.code, 99, result.stderr);
    const report = readReport(out);
    assert.equal(report.complete, true);
    const latency = report.thresholds.find((t) => t.metric === 'e2e_latency_ms')!;
    assert.equal(latency.ok, false);
    assert.ok(latency.value !== null && latency.value > 0.001);
    assert.equal(report.thresholds.find((t) => t.metric === 'packet_loss_ratio')!.ok, true);
    assert.match(result.stdout, /FAILED: 1 of 2 thresholds crossed/);
  });

  it('exits 2, invalid, when fleet and target together hold the machine over its limit', async () => {
    // 1% of the machine: any run with media passes it, so the check's inputs (fleet CPU, the
    // target's samples, the machine's cores) are all needed for the run to come out invalid.
    const out = tempDir('machine');
    const file = writeScenario(`
name: machine
duration: 6s
target: { bundled: { workersPerNode: 1 } }
rooms: { count: 1, size: 4 }
fleet:
  - engine: werift
    count: 4
harness: { maxMachineCpuPercent: 1, sustainedFor: 2s }
`);
    const result = await runCli(['run', file, '--out', out]);
    assert.equal(result.code, 2, result.stderr);
    const report = readReport(out);
    assert.equal(report.complete, true);
    assert.equal(report.harness.valid, false);
    const cores = availableParallelism() === 1 ? 'one core' : `${availableParallelism()} cores`;
    // A busy CI host can starve a harness process of a second's sample: the reason then says so before its ')'.
    assert.match(report.harness.invalidReason ?? '', new RegExp(`^machine saturated \\(fleet and target over 1% of the machine's ${cores} for \\d+ s from t=\\d+s, \\d+% on average(?: in the \\d+ s measured, the other \\d+ s without samples: [^)]+)?\\)`));
    assert.match(result.stdout, /INVALID: machine saturated/);
  });

  it('exits 1 and names the file, field and allowed values for a bad scenario', async () => {
    const file = writeScenario(`
name: bad
duration: 5s
rooms: { count: 1, size: 4 }
fleet:
  - engine: werift
    count: 2
    audio: { ptimeMs: 25 }
`);
    const result = await runCli(['run', file, '--out', tempDir('bad')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`${file.replaceAll('.', '\\.')}:8:\\d+: fleet\\[0\\]\\.audio\\.ptimeMs: .*10, 20, 40, 60`));
    assert.deepEqual(projectProcesses(), []);
  });

  it('on SIGTERM stops everything and still writes a partial report', async () => {
    const out = tempDir('sigterm');
    const file = writeScenario(`
name: interrupted
duration: 60s
target: { bundled: { workersPerNode: 1 } }
rooms: { count: 1, size: 4 }
fleet:
  - engine: werift
    count: 4
`);
    const run = startCli(['run', file, '--out', out]);
    // Interrupt once media flows: the progress line shows packets received.
    await new Promise<void>((resolve) => {
      run.child.stderr!.on('data', (d: Buffer) => /[1-9]\d* pkt\/s received/.test(d.toString()) && resolve());
    });
    run.child.kill('SIGTERM');
    const result = await run.result;
    assert.equal(result.code, 2, result.stderr);
    const report = readReport(out);
    assert.equal(report.complete, false);
    assert.match(report.abortReason ?? '', /interrupted \(SIGTERM\)/);
    assert.ok(report.durationMs < 60_000);
    assert.ok(report.packets.received > 0);
    assert.match(result.stdout, /ABORTED/);
    assert.deepEqual(await waitForNoProjectProcesses(), []);
  });
});
