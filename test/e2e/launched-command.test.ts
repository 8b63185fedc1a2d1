/**
 * `target.launch`: a user's SFU started by rtcstorm as a command. The SFU here is a real one that
 * rtcstorm did not start itself: the bundled node program (mediasoup, with its worker as a child
 * process) run by hand, as `rtcstorm target` users run it, and reached through the rtcstorm adapter.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import { compiledPath } from '../../core/paths.js';
import type { Report } from '../../reports/report-types.js';
import { runCli, startMarkedCli, tempDir, writeScenario } from '../helpers/cli.js';
import { waitForNoProcessesWithEnv } from '../helpers/processes.js';

const readReport = (dir: string): Report => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
// A port range of its own per test process, so runs next to this one do not collide.
const port = 47_000 + (process.pid % 500) * 2;

function sfuScenario(chaos: string): string {
  return writeScenario(`
name: launched-sfu
seed: 3
duration: 16s
target:
  launch:
    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(compiledPath('target-server/node-main.ts'))}]
    env: { RTCSTORM_PORT: "{port}", RTCSTORM_WORKERS: "1", RTCSTORM_NODE_ID: "node-{instance}" }
    port: ${port}
rooms: { count: 1, size: 4 }
fleet:
  - engine: werift
    count: 4
recovery: { mediaTimeout: 2s }
harness: { maxEventLoopLag: 5s }
chaos:
${chaos}
`);
}

describe('target.launch: your SFU as a command rtcstorm runs', () => {
  it('kills, restarts and pauses it (its media worker too); every bot comes back; nothing is left', async () => {
    const out = tempDir('launch');
    const { run, marker } = startMarkedCli(['run', sfuScenario('  - { at: 4s, action: kill-node, target: node-0 }\n  - { at: 6s, action: restart-node, target: node-0 }\n  - { at: 10s, action: pause-node, target: node-0, for: 3s }'), '--out', out]);
    const result = await run.result;
    assert.notEqual(result.code, 2, result.stderr);
    const report = readReport(out);
    assert.equal(report.complete, true, report.abortReason ?? '');
    assert.equal(report.target.kind, 'launch');
    const chaos = report.events.filter((e) => e.kind === 'chaos');
    assert.deepEqual(chaos.map((e) => [e.action, e.ok]), [['kill-node', true], ['restart-node', true], ['pause-node', true]], JSON.stringify(report.events));
    // The pause stops the SFU and the mediasoup worker it started.
    assert.match(chaos[2]!.detail ?? '', /SIGSTOP target\.launch node-0 \(pids \d+, \d+/);
    assert.ok((report.metrics.bot_failures ?? 0) >= 4, `bot failures: ${report.metrics.bot_failures}`);
    assert.ok((report.metrics.recovery_time_ms?.count ?? 0) >= 4, JSON.stringify(report.metrics.recovery_time_ms));
    assert.deepEqual(report.bots, { planned: 4, joined: 4, failed: 0 });
    const store = MetricStore.fromJSON(report.raw);
    const lastSecond = Math.ceil(report.durationMs / 1000) - 1;
    assert.ok(store.counter('packets_received', undefined, lastSecond - 2, lastSecond) > 0, 'nothing received after the pause');
    assert.equal(report.timeline.at(-2)!.botsConnected, 4, JSON.stringify(report.timeline.slice(-3)));
    // Its CPU was sampled each second, the worker as the node's child.
    assert.ok(report.server.nodes.some((n) => n.points.length > 5 && n.points.some((p) => Object.keys(p.workerCpuPercent).length > 0)), JSON.stringify(report.server.nodes.map((n) => n.points.slice(0, 2))));
    assert.deepEqual(await waitForNoProcessesWithEnv(marker), []);
  });

  it('a command that is not there: exit 1 before anything starts, naming the field', async () => {
    const file = writeScenario(`
name: no-sfu
duration: 5s
target: { launch: { command: [./no-such-sfu, --port, "{port}"], port: ${port} } }
rooms: { count: 1, size: 2 }
fleet: [{ engine: werift, count: 2 }]
`);
    const result = await runCli(['run', file, '--out', tempDir('no-sfu')]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /target\.launch\.command: "\.\/no-such-sfu" not found \(no file \S+no-such-sfu, relative to the scenario's folder/);
  });

  it('an SFU that exits at once: exit 2 with its last lines; a URL off loopback: exit 1', async () => {
    const file = writeScenario(`
name: broken-sfu
duration: 5s
target: { launch: { command: [${JSON.stringify(process.execPath)}, -e, "console.error('sfu: no config at /etc/sfu.yaml'); process.exit(3)"], port: ${port} } }
rooms: { count: 1, size: 2 }
fleet: [{ engine: werift, count: 2 }]
`);
    const out = tempDir('broken-sfu');
    const result = await runCli(['run', file, '--out', out]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(readReport(out).abortReason ?? '', /target\.launch node-0 did not come up: exited with code 3; its last lines:\nsfu: no config at \/etc\/sfu\.yaml/);

    const remote = writeScenario(`
name: remote-sfu
duration: 5s
target: { launch: { command: [sfu], port: ${port}, url: "ws://10.1.2.3:{port}" } }
rooms: { count: 1, size: 2 }
fleet: [{ engine: werift, count: 2 }]
`);
    const refused = await runCli(['run', remote]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /target\.launch\.url: host "10\.1\.2\.3" is not loopback/);
  });
});
