/**
 * Adapters users write: the shipped example end to end on the bundled target, and modules that
 * cannot be used refused before anything starts, naming the file and what is missing.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../core/paths.js';
import type { Report } from '../../reports/report-types.js';
import { runCli, startMarkedCli, tempDir, writeScenario } from '../helpers/cli.js';
import { processesWithEnv, waitForNoProcessesWithEnv } from '../helpers/processes.js';

function readReport(dir: string): Report {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
}

/** A scenario on the bundled target whose adapter is `module` (a path relative to the scenario). */
function withAdapter(module: string): string {
  return writeScenario(`
name: user-adapter
duration: 4s
target: { bundled: { workersPerNode: 1 }, adapter: { module: ${module} } }
rooms: { count: 1, size: 2 }
fleet:
  - { engine: werift, count: 2 }
`);
}

describe('user adapters', () => {
  it('runs the shipped example adapter (plain JavaScript, rtcstorm\'s protocol) on the bundled target', async () => {
    const out = tempDir('example-adapter');
    const { run, marker } = startMarkedCli(['run', join(packageRoot, 'examples/adapters/minimal-rtcstorm.yaml'), '--out', out]);
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = readReport(out);
    assert.deepEqual(report.bots, { planned: 4, joined: 4, failed: 0 });
    // Each packet reaches the other 3 members; those sent while the room was still filling reach fewer (2.94× here).
    assert.ok(report.packets.received > 2.5 * report.packets.sent, `received ${report.packets.received} of ${report.packets.sent} sent`);
    assert.equal(report.metrics.packet_loss_ratio !== null && report.metrics.packet_loss_ratio < 0.01, true);
    assert.deepEqual(await waitForNoProcessesWithEnv(marker), []);
  });

  it('the example adapter in a join storm: 6 bots join at once and each hears the 5 others (producers announced while it set up are kept)', async () => {
    const out = tempDir('example-adapter-storm');
    const file = writeScenario(`
name: user-adapter-storm
duration: 5s
target: { bundled: { workersPerNode: 1 }, adapter: { module: ${join(packageRoot, 'examples/adapters/minimal-rtcstorm.mjs')} } }
rooms: { count: 1, size: 6 }
fleet:
  - { engine: werift, count: 6 }
`);
    const result = await runCli(['run', file, '--out', out]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = readReport(out);
    assert.deepEqual(report.bots, { planned: 6, joined: 6, failed: 0 });
    // Before the fix every bot missed the producers announced while it made its receive transport: none heard anything.
    assert.ok(report.packets.received > 4.5 * report.packets.sent, `received ${report.packets.received} of ${report.packets.sent} sent`);
  });

  it('refuses a module that does not exist, exports no createAdapter, or throws while loading: exit 1 before anything starts', async () => {
    const cases: Array<{ source?: string; expect: RegExp }> = [
      { expect: /target\.adapter: adapter module \S+missing\.mjs does not exist/ },
      { source: 'export const foo = 1;\nexport function join() {}\n', expect: /target\.adapter: adapter module \S+bad\.mjs does not export a function createAdapter\(init\) \(see ports\/target-adapter\.ts\); it exports foo, join/ },
      { source: "throw new Error('boom at load');\n", expect: /target\.adapter: adapter module \S+bad\.mjs threw while loading: Error: boom at load/ },
    ];
    for (const { source, expect } of cases) {
      const file = source === undefined ? withAdapter('./missing.mjs') : withAdapter('./bad.mjs');
      if (source !== undefined) writeFileSync(join(dirname(file), 'bad.mjs'), source);
      const out = join(tempDir('bad-adapter'), 'out');
      const { run, marker } = startMarkedCli(['run', file, '--out', out]);
      const result = await run.result;
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, expect);
      assert.equal(existsSync(out), false, 'nothing started, so nothing was written');
      assert.deepEqual(processesWithEnv(marker), []);
    }
  });

  it('a module whose createAdapter throws fails the fleet processes, and the run says why (exit 2)', async () => {
    const file = withAdapter('./throws.mjs');
    writeFileSync(join(dirname(file), 'throws.mjs'), "export function createAdapter() { throw new Error('no such SFU'); }\n");
    const out = tempDir('throwing-adapter');
    const result = await runCli(['run', file, '--out', out]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(readReport(out).abortReason ?? '', /fleet-\d: adapter module \.\/throws\.mjs: createAdapter\(\) threw: no such SFU/);
  });
});
