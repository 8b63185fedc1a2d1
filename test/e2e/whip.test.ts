/**
 * WHIP and WHEP against servers nobody here wrote: Meetecho's simple-whip-server (Debian's package)
 * and janus-whep-server (npm) in front of a launched Janus, end to end through the real CLI.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Report } from '../../reports/report-types.js';
import { findJanus } from '../../targets/janus/launched-janus.js';
import { findSimpleWhipServer } from '../../targets/whip/launched-whip.js';
import { startMarkedCli, tempDir, writeScenario } from '../helpers/cli.js';
import { janusLeftovers } from '../helpers/janus.js';
import { waitForNoProcessesWithEnv } from '../helpers/processes.js';

function readReport(dir: string): Report {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
}

async function runMarked(args: string[]) {
  const { run, marker } = startMarkedCli(args);
  const result = await run.result;
  return { ...result, leftBehind: await waitForNoProcessesWithEnv(marker) };
}

const whipFolders = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith('rtcstorm-whip-'));

const skip =
  findJanus() === undefined ? 'Janus not installed (npm run setup installs it)' : findSimpleWhipServer() === undefined ? 'simple-whip-server not unpacked (npm run setup does it)' : process.getuid?.() !== 0 ? 'a launched Janus needs root' : false;

describe('WHIP/WHEP, servers launched by rtcstorm in front of Janus', { skip }, () => {
  it('bots publish with WHIP and subscribe with WHEP (one session per stream, bearer token); a downlink delay and loss on one group read back as injected; nothing left', async () => {
    const out = tempDir('whip');
    const file = writeScenario(`
name: whip
seed: 4
duration: 12s
target: { whip: { launch: true, token: s3cret } }
rooms: { count: 2, size: 4 }
fleet:
  - { engine: werift, name: impaired, count: 4, rampUp: 1s }
  - { engine: werift, name: clean, count: 4, rampUp: 1s }
network:
  profiles: { slow: { delay: 30ms, loss: 3% } }
  assign: [{ group: impaired, profile: slow, direction: down }]
`);
    const before = whipFolders();
    const result = await runMarked(['run', file, '--out', out]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = readReport(out);
    assert.equal(report.target.kind, 'whip');
    assert.match(report.target.software ?? '', /^Janus 1\.\d+\.\d+, simple-whip-server \S+, janus-whep-server \S+$/);
    assert.deepEqual(report.bots, { planned: 8, joined: 8, failed: 0 });
    // Every bot hears the 3 others of its room, each over a WHEP session of its own.
    assert.ok(report.packets.received > 2.5 * report.packets.sent, `received ${report.packets.received} of ${report.packets.sent} sent`);
    const clean = report.groups['clean']!;
    assert.ok((clean.metrics.packet_loss_ratio ?? 1) < 0.01, `clean loss ${clean.metrics.packet_loss_ratio}`);
    assert.ok((clean.metrics.e2e_latency_ms?.p50 ?? 99) < 5, `clean latency p50 ${clean.metrics.e2e_latency_ms?.p50}`);
    const measured = report.groups['impaired']!.network!.measured;
    // Typically 30.3–30.7 ms here; the relay's timers share 2 cores with Janus and the other bots, and on a
    // busy shared machine its p50 was once 3.5 ms late (1 in 8 suite runs): 5 ms still tells 30 from 0 or 60.
    assert.ok(measured.latencyAddedP50Ms !== null && Math.abs(measured.latencyAddedP50Ms - 30) < 5, `added latency p50 ${measured.latencyAddedP50Ms}`);
    assert.ok(measured.lossRatio !== null && measured.lossRatio > 0.015 && measured.lossRatio < 0.05, `impaired loss ${measured.lossRatio}`);
    // Janus's CPU and memory in the server section, as for a launched Janus.
    const points = report.server.nodes[0]?.points ?? [];
    assert.ok(points.length >= 8 && points.some((p) => p.cpuPercent > 0), JSON.stringify(points.slice(0, 3)));
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(janusLeftovers(), []);
    assert.deepEqual(whipFolders(), before);
  });

  it('kill and restart, then a pause, of the Janus behind the servers: every bot notices, POSTs and WHEPs again once Janus is back, and is heard again; nothing left', async () => {
    const out = tempDir('whip-chaos');
    const file = writeScenario(`
name: whip-chaos
duration: 24s
target: { whip: { launch: true, token: s3cret } }
rooms: { count: 2, size: 4 }
fleet:
  - { engine: werift, count: 8, rampUp: 1s }
recovery: { mediaTimeout: 2s }
chaos:
  - { at: 4s, action: kill-node, target: node-0 }
  - { at: 6s, action: restart-node, target: node-0 }
  - { at: 14s, action: pause-node, target: node-0, for: 3s }
`);
    // The pause comes 8 s after the restart: bots are back 5-6.7 s after it (Janus's start, then each
    // bot's POST and WHEP with its backoff), and one back after the pause counts in the pause's recoveries.
    const before = whipFolders();
    const result = await runMarked(['run', file, '--out', out]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = readReport(out);
    assert.deepEqual(report.events.filter((e) => e.kind === 'chaos').map((e) => [e.action, e.ok]), [['kill-node', true], ['restart-node', true], ['pause-node', true]]);
    assert.match(report.events.find((e) => e.action === 'restart-node')?.detail ?? '', /; its 2 VideoRoom room\(s\) made again$/);
    const [kill, restart, pause] = report.recoveries;
    // The kill is noticed from the silence, 2 s on (recovery.mediaTimeout): its failures may fall in the restart's window.
    assert.ok(kill!.botFailures + restart!.botFailures >= 8, `failures after the kill: ${kill!.botFailures} + ${restart!.botFailures}`);
    assert.ok((restart!.recoveryTimeMs?.count ?? 0) >= 8 && (restart!.recoveryTimeMs?.min ?? 0) > 2000, `every bot back after the restart: ${JSON.stringify(restart!.recoveryTimeMs)}`);
    assert.ok(pause!.botFailures >= 1, `failures after the pause: ${pause!.botFailures}`);
    assert.ok((pause!.recoveryTimeMs?.count ?? 0) >= 8 && (pause!.recoveryTimeMs?.min ?? 0) > 2500, `every bot back after the pause: ${JSON.stringify(pause!.recoveryTimeMs)}`);
    assert.ok((pause!.mediaGapMs?.count ?? 0) >= 8, `media gaps after the pause: ${JSON.stringify(pause!.mediaGapMs)}`);
    assert.equal(report.bots.failed, 0);
    const last = report.timeline.at(-2)!;
    assert.equal(last.botsConnected, 8);
    // Everyone hears the 3 others of its room again, each over a WHEP session of its own.
    assert.ok(last.packetsReceived > 8 * 3 * 40, `packets in second ${last.t}: ${last.packetsReceived}`);
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(janusLeftovers(), []);
    assert.deepEqual(whipFolders(), before);
  });

  it('Chromium pages with video and audio-only bots in one room: everyone hears the 3 others (bots answer the video of a WHEP feed rejected)', async () => {
    const out = tempDir('whip-browsers');
    const file = writeScenario(`
name: whip-browsers
duration: 12s
target: { whip: { launch: true } }
rooms: { count: 1, size: 4 }
fleet:
  - { engine: werift, name: bots, count: 2 }
  - { engine: browser, name: browsers, count: 2, video: { codec: vp8, width: 320, height: 180, fps: 10 } }
# Chromium shares the cores with the bots: their own delays are not what this test is about. Two
# Chromiums encoding video next to Janus and its WHIP/WHEP servers once held both cores for 5 s at
# the start (once, in a suite run of 2026-12-05), so the machine check looks for longer spells than that.
harness: { maxEventLoopLag: 5s, sustainedFor: 8s }
recovery: { mediaTimeout: 10s }
`);
    const result = await runMarked(['run', file, '--out', out]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = readReport(out);
    assert.deepEqual(report.bots, { planned: 4, joined: 4, failed: 0 });
    for (const group of ['bots', 'browsers'] as const) {
      const g = report.groups[group]!;
      assert.ok(g.packets.received > 2 * g.packets.sent, `${group}: received ${g.packets.received}, sent ${g.packets.sent}`);
      assert.ok((g.metrics.packet_loss_ratio ?? 1) < 0.02, `${group} loss ${g.metrics.packet_loss_ratio}`);
      assert.equal(g.metrics.bot_failures ?? 0, 0, `${group} failures`);
    }
    assert.deepEqual(result.leftBehind, []);
    assert.deepEqual(janusLeftovers(), []);
  });
});
