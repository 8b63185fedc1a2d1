/**
 * Network traces and replays through real mediasoup, as a user runs them: a traced group's
 * per-second loss and latency follow its trace (and nothing else moves), and `rtcstorm replay`
 * of the recorded run, from its report alone, drops the same media packets and exits as it did.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lossRatio } from '../../core/metrics/aggregate.js';
import { MetricStore } from '../../core/metrics/store.js';
import type { Report } from '../../reports/report-types.js';
import { packageRoot } from '../../core/paths.js';
import { parseScenario } from '../../core/scenario/index.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { seededReport } from '../helpers/seeded-report.js';
import { waitForNoProcessesWithEnv } from '../helpers/processes.js';

const traceCsv = `t,loss,delayMs
0,,
6,10%,80
12,,
`;

const scenarioYaml = `
name: incident
seed: 23
duration: 20s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 2, size: 4 }
fleet:
  - { engine: werift, name: traced, count: 4, rampUp: 1s }
  - { engine: werift, name: clean, count: 4, rampUp: 1s }
network:
  profiles:
    incident: { trace: traces/incident.csv }
  assign:
    - { group: traced, profile: incident, direction: down }
`;

/** Runs the CLI with its drop log in `drops`; returns the exit code and the report. */
async function run(args: string[], out: string, drops: string): Promise<{ code: number | null; report: Report; stderr: string }> {
  const id = randomUUID();
  const result = await runCli([...args, '--out', out], { RTCSTORM_TEST_RUN: id, RTCSTORM_DROP_LOG: drops });
  assert.deepEqual(await waitForNoProcessesWithEnv(`RTCSTORM_TEST_RUN=${id}`), [], 'every process of the run is gone');
  return { code: result.code, report: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report, stderr: result.stderr };
}

/** Dropped packets (RTP timestamp → run ms) per bot, direction and stream, from every fleet process's drop log. */
function dropsOf(dir: string): Map<string, Map<number, number>> {
  const streams = new Map<string, Map<number, number>>();
  for (const file of readdirSync(dir).filter((f) => f.startsWith('drops-'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').trim().split('\n').slice(1)) {
      const [bot, direction, stream, timestamp, atMs] = line.split(',');
      const key = `bot-${bot} ${direction} ${stream}`;
      const dropped = streams.get(key) ?? new Map<number, number>();
      dropped.set(Number(timestamp), Number(atMs));
      streams.set(key, dropped);
    }
  }
  return streams;
}

/** The trace's changes (run ms): a packet this close to one may fall on either side in another run, as joins move by a few ms. */
const changesMs = [6000, 12_000];
const nearChangeMs = 150;

/** Drops of `a` that `b` lacks, leaving out those near a trace change. */
function missing(a: Map<number, number>, b: Map<number, number>): number[] {
  return [...a].filter(([ts, atMs]) => !b.has(ts) && changesMs.every((c) => Math.abs(atMs - c) > nearChangeMs)).map(([ts]) => ts);
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const seconds = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, k) => from + k);

describe('network traces and replay end to end', () => {
  it('a traced downlink follows its trace (10% loss and +80 ms in 6–12 s), the other group never moves; a replay from the report drops the same packets and exits alike', async () => {
    const dir = tempDir('trace');
    const scenario = join(dir, 'scenario.yaml');
    writeFileSync(scenario, scenarioYaml);
    const traces = join(dir, 'traces');
    mkdirSync(traces);
    writeFileSync(join(traces, 'incident.csv'), traceCsv);

    const recorded = await run(['run', scenario], join(dir, 'recorded'), join(dir, 'drops-recorded'));
    assert.equal(recorded.code, 0, recorded.stderr);
    const store = MetricStore.fromJSON(recorded.report.raw);
    const loss = (group: string, t: number): number => (lossRatio(store, group, t, t) ?? Number.NaN) * 100;
    const p50 = (group: string, from: number, to: number): number => store.histogram('e2e_latency_ms', group, from, to).percentile(50);

    // Inside the trace's interval (its edge seconds left out for latency: packets in flight cross them).
    const during = seconds(6, 11).map((t) => loss('traced', t));
    assert.ok(Math.abs(mean(during) - 10) <= 3, `traced loss per second in 6–11 s: ${during.map((v) => v.toFixed(1)).join(', ')} (mean ${mean(during).toFixed(2)}), trace 10%`);
    // The baseline after the trace: the seconds before it hold the joins.
    const baseline = p50('traced', 13, 18);
    const added = p50('traced', 7, 11) - baseline;
    assert.ok(Math.abs(added - 80) <= 5, `traced latency p50 rose by ${added.toFixed(1)} ms in 7–11 s, trace +80 ms`);
    // Before and after, and the other group throughout: nothing.
    for (const [from, to] of [[0, 5], [13, 18]] as const) {
      const outside = seconds(from, to).map((t) => loss('traced', t)).filter((v) => !Number.isNaN(v));
      assert.ok(outside.length >= 2 && Math.max(...outside) === 0, `traced loss in ${from}–${to} s: ${outside.join(', ')}`);
    }
    assert.ok(Math.abs(p50('traced', 5, 5) - baseline) <= 3, `traced latency before the trace ${p50('traced', 5, 5)} ms, after ${baseline} ms`);
    assert.equal(lossRatio(store, 'clean', 0, 19), 0, 'the untraced group lost nothing');
    const cleanRise = p50('clean', 7, 11) - p50('clean', 13, 18);
    assert.ok(Math.abs(cleanRise) <= 3, `the untraced group's latency moved by ${cleanRise} ms`);
    // The report carries the trace, so the replay below needs nothing else.
    assert.equal(recorded.report.scenario.files?.['traces/incident.csv'], traceCsv);

    // The replay: the report alone (the trace file is gone), compared with the recorded run.
    rmSync(traces, { recursive: true });
    // Compared on loss, which the replay reproduces packet for packet; latency on a shared 2-core machine is noise at this size.
    const replayed = await run(['replay', join(dir, 'recorded'), '--compare-metrics', 'packet_loss_ratio'], join(dir, 'replayed'), join(dir, 'drops-replayed'));
    assert.equal(replayed.code, recorded.code, replayed.stderr);
    assert.match(replayed.stderr, /traces traces\/incident\.csv from the report/);
    assert.match(replayed.stderr, /the recorded run exited 0 \(PASSED/);

    const before = dropsOf(join(dir, 'drops-recorded'));
    const after = dropsOf(join(dir, 'drops-replayed'));
    assert.ok(before.size >= 4, `drops logged on ${before.size} streams`);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'the same streams lost packets');
    // A packet the loader skipped in one run (a send deficit, counted in the report) was never there to drop: a few may differ.
    let compared = 0;
    const differing: string[] = [];
    for (const [stream, dropped] of before) {
      const again = after.get(stream)!;
      differing.push(...missing(dropped, again).map((ts) => `${stream} ${ts} recorded only`), ...missing(again, dropped).map((ts) => `${stream} ${ts} replay only`));
      compared += dropped.size;
    }
    const skipped = (report: Report): number => report.packets.sent > 0 ? MetricStore.fromJSON(report.raw).counter('packets_skipped') / (report.packets.sent + MetricStore.fromJSON(report.raw).counter('packets_skipped')) : 0;
    console.log(`# replay: ${compared} drops recorded, ${differing.length} differ away from the trace's changes; loader skipped ${(skipped(recorded.report) * 100).toFixed(2)}% and ${(skipped(replayed.report) * 100).toFixed(2)}% of packets`);
    assert.ok(compared >= 300, `only ${compared} dropped packets compared`);
    assert.ok(differing.length <= Math.max(2, 0.03 * compared), `${differing.length} of ${compared} drops differ: ${differing.slice(0, 10).join('; ')}`);
  });

  it('imports, as a user runs them: a Chromium webrtc-internals dump becomes a trace a scenario plays; a malformed dump is refused at its line and column', async () => {
    const dir = tempDir('import');
    const csv = join(dir, 'from-chromium.csv');
    const imported = await runCli(['import', 'webrtc-internals', join(packageRoot, 'test', 'fixtures', 'webrtc-internals-dump.json'), '-o', csv]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stderr, /delayMs: candidate-pair \S+ currentRoundTripTime \/ 2, \d+ samples/);
    const trace = readFileSync(csv, 'utf8');
    assert.match(trace, /^t,loss,delayMs,jitterMs,rateKbps\n0,/);
    const yaml = scenarioYaml.replace('traces/incident.csv', 'from-chromium.csv');
    const scenario = parseScenario(yaml, join(dir, 'scenario.yaml'));
    const profile = scenario.network?.profiles['incident'];
    assert.ok(profile && 'trace' in profile && profile.trace.intervals.length >= 8, JSON.stringify(profile));

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "PeerConnections": {\n    "1-1": { "stats": { "x-y": { "values": [1, 2] } } }\n  }\n}\n');
    const refused = await runCli(['import', 'webrtc-internals', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:\\d+: `, 'm'), refused.stderr);
  });

  it('replay says when the recording is from another rtcstorm version, and refuses a report whose trace text is gone with the trace key\'s line', async () => {
    const dir = tempDir('replay-old');
    const report = seededReport({ seed: 4 });
    // An older report: another version, a traced profile, and no files carried.
    const old = { ...report, tool: { ...report.tool, version: '0.0.1' }, scenario: { ...report.scenario, source: `${report.scenario.source}network:\n  profiles:\n    incident: { trace: gone.csv }\n`, file: join(dir, 'old.yaml') } };
    delete (old.scenario as { files?: unknown }).files;
    writeFileSync(join(dir, 'report.json'), JSON.stringify(old));
    const replayed = await runCli(['replay', dir, '--out', join(dir, 'again')]);
    assert.equal(replayed.code, 1, replayed.stderr);
    assert.match(replayed.stderr, /warning: the run was recorded with rtcstorm 0\.0\.1, this is \d+\.\d+\.\d+/);
    assert.match(replayed.stderr, /old\.yaml:\d+:\d+: network\.profiles\.incident\.trace: trace file not found: .*gone\.csv/);
  });
});
