/**
 * Real Chromium participants through the CLI: in the same rooms and the same report as werift
 * bots, and a browser killed mid-run fails its participant, not the run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import { makePlan, type RunPlan } from '../../core/plan/plan.js';
import { loadScenario } from '../../core/scenario/index.js';
import type { Report } from '../../reports/report-types.js';
import { startCli, startMarkedCli, tempDir, writeScenario } from '../helpers/cli.js';
import { processesWithEnv, waitForNoProcessesWithEnv } from '../helpers/processes.js';

function readReport(dir: string): Report {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
}

/** The browser processes (not renderers or helpers) of a marked run. */
function browserProcesses(marker: string): number[] {
  return processesWithEnv(marker)
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return /--user-data-dir=\S*rtcstorm-browser-/.test(cmdline) && !cmdline.includes('--type=');
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

/** true once a progress line shows all planned participants connected; false if the run ended first. */
function allConnected(run: ReturnType<typeof startCli>, planned: number): Promise<boolean> {
  return new Promise((resolve) => {
    let text = '';
    run.child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes(`bots ${planned}/${planned} connected`)) resolve(true);
    });
    void run.result.then(() => resolve(false));
  });
}

interface Window {
  seconds: number[];
  sent: Record<string, number>;
  received: (group: string) => number;
  /** Participants connected per second and group, for failure messages. */
  connected: string;
}

/**
 * The seconds in which every participant was connected, less the first (joins and the first
 * batches still settling): media counts there are comparable with what the senders sent.
 */
function steadyWindow(report: Report, counts: Record<string, number>): Window {
  const store = MetricStore.fromJSON(report.raw);
  const steady = store.seconds().filter((t) => Object.entries(counts).every(([group, n]) => store.gaugeAt('bots_connected', t, group) === n));
  const seconds = steady.slice(1, -1);
  const sum = (metric: 'packets_sent' | 'packets_received' | 'room_packets_received', group: string): number => seconds.reduce((n, t) => n + store.counter(metric, group, t, t), 0);
  return {
    seconds,
    sent: Object.fromEntries(Object.keys(counts).map((group) => [group, sum('packets_sent', group)])),
    received: (group) => sum(group.startsWith('room-') ? 'room_packets_received' : 'packets_received', group),
    connected: store.seconds().map((t) => `${t}: ${Object.keys(counts).map((group) => store.gaugeAt('bots_connected', t, group) ?? '-').join('+')}`).join(', '),
  };
}

/**
 * What receivers should have got in the window if each hears every other member of its room:
 * each sender's share is its group's sent count over the group's size.
 */
function expectedReceived(plan: RunPlan, window: Window, receivers: (bot: RunPlan['bots'][number]) => boolean): number {
  const size = (group: string): number => plan.bots.filter((b) => b.group === group).length;
  let expected = 0;
  for (const receiver of plan.bots.filter(receivers)) {
    for (const sender of plan.bots) if (sender.room === receiver.room && sender !== receiver) expected += window.sent[sender.group]! / size(sender.group);
  }
  return expected;
}

describe('browser participants', () => {
  it('share rooms with werift bots: each hears every other member, and report.json has their latency and getStats metrics', async () => {
    const file = writeScenario(`
name: browsers-and-bots
seed: 1
duration: 20s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 2, size: 4 }
fleet:
  - engine: werift
    name: bots
    count: 6
  - engine: browser
    name: browsers
    count: 2
    perProcess: 2
    video: { codec: vp8, width: 320, height: 180, fps: 10 }
# Chromium shares the cores with the bots (and this machine with other test runs): the bots' own
# delays are not what this test is about, so no rejoins and no invalid verdict for them.
recovery: { mediaTimeout: 10s }
harness: { maxEventLoopLag: 5s }
`);
    const plan = makePlan(loadScenario(file));
    const out = tempDir('mixed-room');
    // One fleet process: its one packet timer sends for every bot, so all bots send equally.
    const { run, marker } = startMarkedCli(['run', file, '--out', out, '--processes', '1']);
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = readReport(out);
    assert.equal(report.complete, true);
    assert.deepEqual(report.groups.browsers!.bots, { planned: 2, joined: 2, failed: 0 });
    assert.deepEqual(report.groups.bots!.bots, { planned: 6, joined: 6, failed: 0 });

    const window = steadyWindow(report, { bots: 6, browsers: 2 });
    assert.ok(window.seconds.length >= 2, `too few seconds with everyone connected (${window.connected})`);
    // Browsers hear bots and each other; the bots sitting with browsers hear them (their room's count).
    const browserRooms = [...new Set(plan.bots.filter((b) => b.engine === 'browser').map((b) => b.room))];
    const checks = [
      { what: 'browsers', received: window.received('browsers'), expected: expectedReceived(plan, window, (b) => b.engine === 'browser') },
      ...browserRooms.map((room) => ({ what: `room-${room}`, received: window.received(`room-${room}`), expected: expectedReceived(plan, window, (b) => b.room === room) })),
    ];
    for (const { what, received, expected } of checks) {
      assert.ok(received > 0.85 * expected && received < 1.15 * expected, `${what}: received ${received}, expected about ${expected.toFixed(0)} in seconds ${window.seconds.join(', ')}`);
    }

    const browsers = report.groups.browsers!;
    assert.ok(browsers.packets.sent > 0 && browsers.packets.received > 0);
    assert.equal(browsers.metrics.e2e_latency_ms?.count, browsers.packets.received);
    assert.ok((browsers.metrics.jitter_ms?.count ?? 0) > 0);
    const stats = browsers.metrics.browser!;
    for (const key of ['browser_rtp_jitter_ms', 'browser_jitter_buffer_delay_ms', 'audio_concealed_ratio', 'rtt_ms', 'browser_cpu_percent', 'browser_memory_mb'] as const) {
      assert.ok((stats[key]?.count ?? 0) > 0, `${key} missing: ${JSON.stringify(stats)}`);
    }
    assert.equal(report.groups.bots!.metrics.browser, null);
    // Chromium decodes the bots' real Opus as it comes (the stamp sits in Opus padding): on a clean
    // path next to nothing is concealed. Undecodable frames would be concealed every one.
    const concealed = stats.audio_concealed_ratio!;
    console.log(`# browsers' audio concealed: p50 ${concealed.p50}, p95 ${concealed.p95}, avg ${concealed.avg.toFixed(4)} over ${concealed.count} stream-seconds`);
    assert.ok(concealed.p50 < 0.02 && concealed.avg < 0.05, JSON.stringify(concealed));
    // The bots rate what they hear from browsers and bots alike.
    assert.ok((report.groups.bots!.metrics.voice?.mos?.count ?? 0) > 0, JSON.stringify(report.groups.bots!.metrics.voice));
    assert.deepEqual(await waitForNoProcessesWithEnv(marker), []);
  });

  it('reports a killed browser as failed and goes on with the rest', async () => {
    const file = writeScenario(`
name: browser-killed
duration: 16s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 4 }
fleet:
  - engine: werift
    name: bots
    count: 2
  - engine: browser
    name: browsers
    count: 2
    perProcess: 1
recovery: { mediaTimeout: 10s }
# Two Chromiums opening their pages can hold both cores for up to 5 s at the start; this test is
# about the crash, so the machine check here looks for longer spells than such a start.
harness: { maxEventLoopLag: 5s, sustainedFor: 8s }
`);
    const out = tempDir('killed');
    const { run, marker } = startMarkedCli(['run', file, '--out', out]);
    assert.ok(await allConnected(run, 4), 'the run ended before all participants were connected');
    const browsers = browserProcesses(marker);
    assert.equal(browsers.length, 2, `browser processes: ${browsers.join(', ')}`);
    process.kill(browsers[0]!, 'SIGKILL');
    const result = await run.result;
    assert.notEqual(result.code, 2, result.stderr);
    const report = readReport(out);
    assert.equal(report.complete, true, report.abortReason ?? '');
    assert.deepEqual(report.groups.browsers!.bots, { planned: 2, joined: 2, failed: 1 });
    assert.deepEqual(report.groups.bots!.bots, { planned: 2, joined: 2, failed: 0 });
    const failed = report.events.filter((e) => e.kind === 'browser-failed');
    assert.equal(failed.length, 1, JSON.stringify(report.events));
    assert.match(failed[0]!.detail ?? '', /exited with SIGKILL/);
    // The other browser kept receiving to the end.
    const store = MetricStore.fromJSON(report.raw);
    const lastSecond = Math.ceil(report.durationMs / 1000) - 1;
    assert.ok(store.counter('packets_received', 'browsers', lastSecond - 1, lastSecond) > 0, 'the browser left received nothing at the end');
    assert.deepEqual(await waitForNoProcessesWithEnv(marker), []);
  });

  /**
   * One browser and two bots in a room whose node `chaos` takes away: the browser leaves and rejoins
   * once, measures one outage, fails nothing, and is heard (and hears) again by the end.
   */
  async function browserOutage(name: string, options: { nodes: number; mediaTimeout: string; chaos: string }): Promise<Report> {
    const file = writeScenario(`
name: ${name}
seed: 2
duration: 22s
target: { bundled: { nodes: ${options.nodes}, workersPerNode: 1 } }
rooms: { count: 1, size: 3 }
fleet:
  - engine: werift
    name: bots
    count: 2
  - engine: browser
    name: browsers
    count: 1
recovery: { mediaTimeout: ${options.mediaTimeout} }
harness: { maxEventLoopLag: 5s }
chaos:
  - ${options.chaos}
`);
    const out = tempDir(name);
    const { run, marker } = startMarkedCli(['run', file, '--out', out]);
    const result = await run.result;
    assert.notEqual(result.code, 2, result.stderr);
    const report = readReport(out);
    assert.equal(report.complete, true, report.abortReason ?? '');
    assert.ok(report.events.find((e) => e.kind === 'chaos')?.ok, JSON.stringify(report.events));
    const browsers = report.groups.browsers!;
    assert.deepEqual(browsers.bots, { planned: 1, joined: 1, failed: 0 });
    assert.equal(browsers.metrics.bot_failures, 1, 'the browser lost its node once');
    assert.equal(browsers.metrics.recovery_time_ms?.count, 1, 'and measured one outage');
    assert.equal(report.events.filter((e) => e.kind === 'browser-failed').length, 0, JSON.stringify(report.events));
    // After the rejoin it hears both bots again, and they hear it.
    const store = MetricStore.fromJSON(report.raw);
    const lastSecond = Math.ceil(report.durationMs / 1000) - 1;
    assert.ok(store.counter('packets_received', 'browsers', lastSecond - 2, lastSecond) > 0, 'the browser received nothing after its rejoin');
    assert.ok(store.counter('packets_received', 'bots', lastSecond - 2, lastSecond) > 0, 'the bots received nothing at the end');
    // The last second's samples may land after the end (they are then in the totals only): the one before it is whole.
    assert.equal(report.timeline.at(-2)!.botsConnected, 3, JSON.stringify(report.timeline.slice(-3)));
    assert.deepEqual(await waitForNoProcessesWithEnv(marker), []);
    return report;
  }

  it('rejoins through the directory when its node is killed, and reports how long it was without audio', async () => {
    const report = await browserOutage('browser-failover', { nodes: 2, mediaTimeout: '10s', chaos: '{ at: 9s, action: kill-node, target: busiest }' });
    assert.ok(report.groups.browsers!.metrics.recovery_time_ms!.max < 15_000);
  });

  it('notices a paused node by the silence, as bots do, long before Chromium\'s own 30 s consent timeout', async () => {
    const report = await browserOutage('browser-pause', { nodes: 1, mediaTimeout: '2s', chaos: '{ at: 8s, action: pause-node, target: node-0, for: 5s }' });
    // Nobody is heard while the node is paused (5 s); the rejoin follows its end with a backoff.
    const recovery = report.groups.browsers!.metrics.recovery_time_ms!;
    assert.ok(recovery.min >= 4_000 && recovery.max < 10_000, JSON.stringify(recovery));
  });
});
