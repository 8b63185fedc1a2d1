/**
 * Network traces: the row in effect at a moment (start, loop, last row holding), the scenario's
 * `trace:` key (read relative to the scenario, checked with the file's own line and column,
 * carried for replays), and the relay's impairment following a trace packet by packet.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { keyOf } from '../../chaos/network/draws.js';
import { Impairment } from '../../chaos/network/impairment.js';
import { loadScenario, parseScenario, ScenarioError } from '../../core/scenario/index.js';
import type { ImpairmentProfile, NetworkTrace } from '../../core/scenario/network-types.js';
import { traceAt } from '../../core/scenario/trace-timing.js';
import { tempDir } from '../helpers/cli.js';
import { rtpPacket } from '../helpers/packets.js';

const none: ImpairmentProfile = { loss: null, delayMs: 0, jitter: null, duplicateRatio: 0, rate: null, blackhole: false };
const delayed = (delayMs: number): ImpairmentProfile => ({ ...none, delayMs });

const trace = (over: Partial<NetworkTrace> = {}): NetworkTrace => ({
  file: 't.csv',
  format: 'csv',
  intervals: [
    { atMs: 0, profile: null },
    { atMs: 6000, profile: delayed(80) },
    { atMs: 12_000, profile: null },
  ],
  lengthMs: 18_000,
  loop: false,
  startAtMs: 0,
  ...over,
});

const scenario = (profile: string, backend = 'userspace'): string => `name: traced
duration: 30s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 4 }
fleet:
  - { engine: werift, name: voice, count: 4 }
network:
  backend: ${backend}
  profiles:
    incident: ${profile}
  assign:
    - { group: voice, profile: incident, direction: down }
`;

function problemsOf(yaml: string, files?: Record<string, string>): string[] {
  try {
    parseScenario(yaml, 'dir/scenario.yaml', {}, files);
  } catch (error) {
    if (error instanceof ScenarioError) return error.message.split('\n');
    throw error;
  }
  return [];
}

describe('network traces', () => {
  it('the row in effect: nothing before startAt, each row until the next, the last one holding, or the trace starting over when it loops', () => {
    const t = trace({ startAtMs: 2000 });
    assert.deepEqual(traceAt(t, 1999), { index: -1, profile: null, fromMs: Number.NEGATIVE_INFINITY, untilMs: 2000 });
    assert.equal(traceAt(t, 2000).index, 0);
    assert.equal(traceAt(t, 7999).index, 0);
    assert.deepEqual(traceAt(t, 8000), { index: 1, profile: delayed(80), fromMs: 8000, untilMs: 14_000 });
    assert.deepEqual(traceAt(t, 100_000), { index: 2, profile: null, fromMs: 14_000, untilMs: Number.POSITIVE_INFINITY });
    const looped = trace({ loop: true });
    assert.deepEqual(traceAt(looped, 18_000 + 6500), { index: 1, profile: delayed(80), fromMs: 24_000, untilMs: 30_000 });
    assert.deepEqual(traceAt(looped, 36_000 + 12_000), { index: 2, profile: null, fromMs: 48_000, untilMs: 54_000 });
  });

  it('the relay follows the trace on the run clock: the row changes at its boundary, packet by packet', () => {
    // The run's 0 at 1000 on the relay's clock.
    const impairment = new Impairment(keyOf(1, 1, 'down'), 1000);
    impairment.setProfile({ trace: trace() });
    const packet = rtpPacket(1, 0, 0);
    assert.equal(impairment.decide(packet, 1000 + 5999).atMs, 1000 + 5999);
    assert.equal(impairment.decide(packet, 1000 + 6000).atMs, 1000 + 6000 + 80);
    assert.equal(impairment.decide(packet, 1000 + 11_999).atMs, 1000 + 11_999 + 80);
    // Not reordered: the first packet after the delay ends waits for the last delayed one.
    assert.equal(impairment.decide(packet, 1000 + 12_000).atMs, 1000 + 11_999 + 80);
    assert.equal(impairment.decide(packet, 1000 + 12_100).atMs, 1000 + 12_100);
  });

  it('a rate change between rows keeps the bottleneck\'s backlog: packets queued before the change leave as they were due', () => {
    const rate = (kbps: number): ImpairmentProfile => ({ ...none, rate: { kbps, queueLimit: 1000 } });
    const impairment = new Impairment(keyOf(1, 2, 'down'));
    impairment.setProfile({ trace: trace({ intervals: [{ atMs: 0, profile: rate(80) }, { atMs: 100, profile: rate(800) }] }) });
    const packet = rtpPacket(1, 0, 0, 1000);
    // 1000 B at 80 kb/s: 100 ms each; three queued at 0 leave at 100, 200, 300.
    assert.deepEqual([0, 0, 0].map((t) => impairment.decide(packet, t).atMs), [100, 200, 300]);
    // At 800 kb/s from 100 ms: the next waits for the backlog, then takes 10 ms.
    assert.equal(impairment.decide(packet, 150).atMs, 310);
  });

  it('a scenario reads its trace relative to its own folder and carries the file\'s text; a replay passes the text instead', () => {
    const dir = tempDir('trace-scenario');
    mkdirSync(join(dir, 'traces'));
    const csv = 't,loss,delayMs\n0,,\n6,10%,80\n12,,\n';
    writeFileSync(join(dir, 'traces', 'incident.csv'), csv);
    const yaml = scenario('{ trace: traces/incident.csv, loop: true, startAt: 2s }');
    writeFileSync(join(dir, 'scenario.yaml'), yaml);
    const loaded = loadScenario(join(dir, 'scenario.yaml'));
    const profile = loaded.network?.profiles['incident'];
    assert.ok(profile && 'trace' in profile);
    assert.deepEqual(
      profile.trace.intervals.map((i) => [i.atMs, i.profile?.loss ?? null, i.profile?.delayMs ?? 0]),
      [[0, null, 0], [6000, { kind: 'random', ratio: 0.1 }, 80], [12_000, null, 0]],
    );
    assert.equal(profile.trace.loop, true);
    assert.equal(profile.trace.startAtMs, 2000);
    assert.deepEqual(loaded.files, { 'traces/incident.csv': csv });
    // From the report's copy: no file is read (this folder does not exist).
    const replayed = parseScenario(yaml, '/nowhere/scenario.yaml', {}, loaded.files);
    assert.deepEqual(replayed.network, loaded.network);
  });

  it('says where a trace is wrong: a missing file at the trace key, a bad row at its own file, line and column', () => {
    assert.deepEqual(problemsOf(scenario('{ trace: gone.csv }')), ['dir/scenario.yaml:10:24: network.profiles.incident.trace: trace file not found: dir/gone.csv']);
    const bad = problemsOf(scenario('{ trace: bad.csv }'), { 'bad.csv': 't,loss,delayMs\n0,,\n5,12x,80\n' });
    assert.equal(bad.length, 1, bad.join('\n'));
    assert.match(bad[0]!, /^dir\/bad\.csv:3:3: /);
  });

  it('a trace profile takes nothing else of a fixed one, trace keys need a trace, and the kernel backend refuses traces', () => {
    const mixed = problemsOf(scenario('{ trace: t.csv, loss: 2%, delay: 20ms }'), { 't.csv': 't,loss\n0,1%\n' });
    assert.equal(mixed.filter((p) => p.includes('a trace profile takes its impairment from the trace file')).length, 2, mixed.join('\n'));
    const loose = problemsOf(scenario('{ loss: 2%, loop: true, startAt: 3s }'));
    assert.equal(loose.filter((p) => p.includes('only applies together with trace')).length, 2, loose.join('\n'));
    const kernel = problemsOf(scenario('{ trace: t.csv }', 'kernel'), { 't.csv': 't,loss\n0,1%\n' });
    assert.ok(kernel.some((p) => p.includes('trace profiles are played by the userspace relay')), kernel.join('\n'));
  });
});
