/**
 * k6 groups in `rtcstorm run` and `rtcstorm k6 export`, end to end: with the real k6 when one is installed (K6_BIN or PATH),
 * with a stand-in k6 for the plumbing, and without k6 (skipped, or the run stops when required).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findK6 } from '../../bots/k6/doctor.js';
import { compiledPath } from '../../core/paths.js';
import type { Report } from '../../reports/report-types.js';
import { runCli, startMarkedCli, tempDir, writeScenario, type CliResult } from '../helpers/cli.js';
import { waitForNoProcessesWithEnv } from '../helpers/processes.js';

function readReport(dir: string): Report {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
}

const k6Group = `
  - engine: k6
    name: storm
    executor: constant-vus
    vus: 4
    duration: 4s
`;

/** Bots and a k6 group; `k6` adds lines to the k6 group, `thresholds` to the thresholds. */
function botsAndK6(k6 = '', thresholds = ''): string {
  return writeScenario(`
name: bots-and-k6
duration: 6s
target: { bundled: { workersPerNode: 1 } }
rooms: { count: 1, size: 2 }
fleet:
  - engine: werift
    name: voice
    count: 2${k6Group}${k6}thresholds:
  packet_loss_ratio: ["value<0.5"]
${thresholds}`);
}

/** The k6 group alone, with thresholds on what k6 measures. */
function k6Only(): string {
  return writeScenario(`
name: k6-only
duration: 5s
target: { bundled: { workersPerNode: 1 } }
rooms: { count: 1, size: 1 }
fleet:${k6Group}thresholds:
  k6_checks_rate: ["rate>0.99"]
  signalling_rtt_ms: ["p(95)<1000"]
`);
}

/** An executable that runs test/helpers/fake-k6.ts, to put in K6_BIN. */
function fakeK6(): string {
  const file = join(tempDir('fake-k6'), 'k6');
  writeFileSync(file, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(compiledPath('test/helpers/fake-k6.ts'))} "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Runs the CLI with a marker in its environment; resolves with the result and the pids the run left behind. */
async function runMarked(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult & { leftBehind: string[] }> {
  const { run, marker } = startMarkedCli(args, env);
  const result = await run.result;
  return { ...result, leftBehind: await waitForNoProcessesWithEnv(marker) };
}

const realK6 = findK6();

describe('rtcstorm run with k6 groups', () => {
  it('runs the real k6 next to the bots and merges its metrics', { skip: realK6 === undefined ? 'k6 not found: set K6_BIN or put k6 on the PATH' : false }, async () => {
    const out = tempDir('k6-real');
    const file = botsAndK6('    behaviour: join-leave\n', '  k6_checks_rate: ["rate>0.99"]\n  signalling_rtt_ms: ["p(95)<1000"]\n');
    const result = await runMarked(['run', file, '--out', out]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = readReport(out);
    assert.deepEqual(report.skipped, []);
    assert.ok((report.groups['storm']?.metrics.signalling_rtt_ms?.count ?? 0) > 0, 'no signalling samples from k6');
    assert.ok((report.groups['storm']?.metrics.join_ack_ms?.count ?? 0) > 0);
    assert.equal(report.metrics.k6_checks_rate, 1);
    assert.equal(report.bots.joined, 2);
    assert.ok(existsSync(join(out, 'k6', 'script.js')) && existsSync(join(out, 'k6', 'summary.json')));
    assert.deepEqual(result.leftBehind, []);
  });

  it('runs a k6 binary from K6_BIN with the generated script and merges its output (stand-in k6)', async () => {
    const out = tempDir('k6-stand-in');
    const result = await runMarked(['run', k6Only(), '--out', out], { K6_BIN: fakeK6() });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = readReport(out);
    assert.equal(report.complete, true);
    assert.deepEqual(report.skipped, []);
    // 4 VUs, one join-leave session each: join, 2 × createTransport, leave.
    assert.equal(report.groups['storm']?.metrics.signalling_rtt_ms?.count, 16);
    assert.equal(report.groups['storm']?.metrics.join_ack_ms?.count, 4);
    assert.equal(report.metrics.k6_checks_rate, 1);
    assert.deepEqual(report.thresholds.map((t) => [t.metric, t.ok]), [['signalling_rtt_ms', true], ['k6_checks_rate', true]]);
    assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /\| signalling \(k6\) \|/);
    assert.match(readFileSync(join(out, 'k6', 'script.js'), 'utf8'), /"roomPrefix": "[0-9a-f]+-k6-"/);
    assert.deepEqual(result.leftBehind, []);
  });

  it('without k6, skips the k6 group and runs the bots with an unchanged exit code', async () => {
    const out = tempDir('k6-missing');
    const result = await runMarked(['run', botsAndK6(), '--out', out], { K6_BIN: '/nonexistent/k6' });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = readReport(out);
    assert.equal(report.complete, true);
    assert.deepEqual(report.bots, { planned: 2, joined: 2, failed: 0 });
    assert.ok(report.packets.received > 0);
    assert.equal(report.skipped.length, 1);
    assert.deepEqual({ ...report.skipped[0], hint: undefined }, { group: 'storm', engine: 'k6', reason: 'k6 not found: K6_BIN=/nonexistent/k6 does not exist', hint: undefined });
    assert.match(report.skipped[0]!.hint ?? '', /install k6 .* or set K6_BIN/);
    assert.equal(report.metrics.signalling_rtt_ms, null);
    for (const text of [result.stdout, readFileSync(join(out, 'summary.md'), 'utf8')]) {
      assert.match(text, /`storm` \(k6\): k6 not found: K6_BIN=\/nonexistent\/k6 does not exist; install k6/);
    }
    assert.deepEqual(result.leftBehind, []);
  });

  it('without k6, a required k6 group stops the run before anything starts: exit 2', async () => {
    const out = tempDir('k6-required');
    const result = await runMarked(['run', botsAndK6('    required: true\n'), '--out', out], { K6_BIN: '/nonexistent/k6' });
    assert.equal(result.code, 2, result.stderr + result.stdout);
    assert.match(result.stdout, /ABORTED: k6 group "storm" is required but k6 not found: K6_BIN=\/nonexistent\/k6 does not exist; install k6/);
    const report = readReport(out);
    assert.equal(report.complete, false);
    assert.deepEqual(report.bots, { planned: 2, joined: 0, failed: 0 });
    assert.deepEqual(report.target.urls, [], 'the target was started');
    assert.deepEqual(result.leftBehind, []);
  });
});

describe('rtcstorm k6 export', () => {
  it('writes the script alone, aimed at --url', async () => {
    const out = join(tempDir('k6-export'), 'script.js');
    const result = await runCli(['k6', 'export', k6Only(), '-o', out, '--url', 'ws://10.0.0.5:4443']);
    assert.equal(result.code, 0, result.stderr);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^import \{ WebSocket \} from 'k6\/websockets';$/m);
    assert.match(text, /"signallingUrl": "ws:\/\/10\.0\.0\.5:4443"/);
    assert.match(text, /"roomPrefix": "k6-only-k6-"/);
  });

  it('asks for --url when the scenario targets the bundled SFU', async () => {
    const result = await runCli(['k6', 'export', k6Only()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /targets the bundled SFU, .* with --url ws:\/\/HOST:PORT/);
  });
});
