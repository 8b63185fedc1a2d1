/**
 * A distributed run on one machine: `rtcstorm target` as the shared target, three shard processes
 * with one start time, then `rtcstorm merge`: one report equal to the whole plan.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Histogram } from '../../core/metrics/histogram.js';
import type { Report } from '../../reports/report-types.js';
import { runCli, startCli, tempDir, writeScenario, type CliRun } from '../helpers/cli.js';

const readReport = (dir: string): Report => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;

describe('shards and merge', () => {
  let target: CliRun;
  let directoryUrl: string;
  const shardDirs = [0, 1, 2].map((i) => tempDir(`shard${i}`));

  before(async () => {
    target = startCli(['target', '--nodes', '1', '--workers-per-node', '1']);
    directoryUrl = await new Promise<string>((resolve, reject) => {
      let seen = '';
      target.child.stdout!.on('data', (d: Buffer) => {
        seen += d.toString();
        const match = /directory (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
        if (match) resolve(match[1]!);
      });
      void target.result.then((r) => reject(new Error(`target exited: ${r.stderr}`)));
    });
    const scenario = writeScenario(`
name: sharded
seed: 11
duration: 8s
target: { url: ${directoryUrl} }
rooms: { count: 3, size: 3 }
fleet:
  - engine: werift
    count: 9
chaos:
  - { at: 2s, action: exec, command: ["true"] }
thresholds:
  packet_loss_ratio: ["value<0.5"]
`);
    // Lead for three shard CLIs to boot on this machine (a couple of seconds); the search below uses 8 s for two.
    const startAt = Date.now() + 8000;
    const shards = await Promise.all(shardDirs.map((out, i) => runCli(['run', scenario, '--shard', `${i}/3`, '--start-at', String(startAt), '--processes', '1', '--out', out])));
    for (const shard of shards) assert.equal(shard.code, 0, shard.stderr);
  });

  after(async () => {
    target.child.kill('SIGINT');
    assert.equal((await target.result).code, 0);
  });

  it('merges the shards into one report of the whole plan, percentiles from merged histograms', async () => {
    const out = tempDir('merged');
    const result = await runCli(['merge', ...shardDirs, '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const merged = readReport(out);
    const shards = shardDirs.map(readReport);
    assert.deepEqual(shards.map((s) => s.bots.planned), [3, 3, 3], 'whole rooms per shard');
    assert.deepEqual(merged.bots, { planned: 9, joined: 9, failed: 0 });
    assert.equal(merged.packets.sent, shards.reduce((n, s) => n + s.packets.sent, 0));
    assert.equal(merged.packets.received, shards.reduce((n, s) => n + s.packets.received, 0));
    assert.ok(merged.packets.received > 0);
    // The same percentile from every shard's raw samples, decoded and merged here independently.
    const all = Histogram.forMetric('e2e_latency_ms');
    for (const shard of shards) for (const bucket of shard.raw.buckets) for (const encoded of Object.values(bucket.histograms['e2e_latency_ms'] ?? {})) all.merge(Histogram.fromJSON(encoded, all.scale));
    assert.equal(merged.metrics.e2e_latency_ms?.count, all.count);
    assert.equal(merged.metrics.e2e_latency_ms?.p99, all.percentile(99));
    assert.equal(merged.metrics.e2e_latency_ms?.p50, all.percentile(50));
    assert.equal(merged.timeline.length, 8);
    assert.equal(merged.timeline.at(-1)!.botsConnected, 9);
    assert.equal(merged.thresholds[0]!.ok, true);
    // Chaos runs once, on shard 0; the others record it; the merged report has it once.
    assert.deepEqual(shards.map((s) => s.events.filter((e) => e.kind.startsWith('chaos')).map((e) => `${e.kind} ${e.action}`)), [
      ['chaos exec'],
      ['chaos-observed exec'],
      ['chaos-observed exec'],
    ]);
    assert.deepEqual(merged.events.filter((e) => e.kind.startsWith('chaos')).map((e) => [e.kind, e.action, e.ok]), [['chaos', 'exec', true]]);
  });

  it('reports a missing shard, and merges what is there when allowed', async () => {
    const refused = await runCli(['merge', shardDirs[0]!, shardDirs[2]!, '--out', tempDir('partial')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /shard\(s\) 1 of 3 missing; pass them all, or --allow-partial/);
    const out = tempDir('partial-allowed');
    const allowed = await runCli(['merge', shardDirs[0]!, shardDirs[2]!, '--out', out, '--allow-partial']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /warning: partial merge: shard\(s\) 1 of 3 missing/);
    const merged = readReport(out);
    assert.equal(merged.bots.joined, 6);
    assert.equal(merged.bots.planned, 9);
    assert.ok(merged.events.some((e) => e.kind === 'merge-warning'));
  });

  it('keeps a shard invalid in the merge: its machine check is its own', async () => {
    // Shard 1 as a shard whose fleet and target saturated their machine would report it.
    const invalidShard = tempDir('invalid-shard');
    const report = readReport(shardDirs[1]!);
    const reason = "machine saturated (fleet and target over 90% of the machine's 2 cores for 6 s from t=1s, 97% on average)";
    writeFileSync(join(invalidShard, 'report.json'), JSON.stringify({ ...report, harness: { ...report.harness, valid: false, invalidReason: reason } }));
    const out = tempDir('merged-invalid');
    const result = await runCli(['merge', shardDirs[0]!, invalidShard, shardDirs[2]!, '--out', out]);
    assert.equal(result.code, 2, result.stderr);
    const merged = readReport(out);
    assert.equal(merged.harness.valid, false);
    assert.equal(merged.harness.invalidReason, `shard 1: ${reason}`);
  });

  it('runs a capacity search in shards: each grows its rooms in step, the merge judges every step', async () => {
    const scenario = writeScenario(`
name: sharded-search
seed: 3
target: { url: ${directoryUrl} }
rooms: { count: 1, size: 3 }
fleet:
  - { engine: werift, count: 3 }
capacity:
  start: { rooms: 2 }
  grow: { rooms: 2 }
  max: { rooms: 4 }
  ramp: 1s
  hold: 3s
  slo: { packet_loss_ratio: ["value<0.5"], e2e_latency_ms: ["p(99)<1000"] }
`);
    const dirs = [0, 1].map((i) => tempDir(`search-shard${i}`));
    const startAt = Date.now() + 8000;
    const shards = await Promise.all(dirs.map((out, i) => runCli(['run', scenario, '--shard', `${i}/2`, '--start-at', String(startAt), '--processes', '1', '--out', out])));
    for (const shard of shards) assert.equal(shard.code, 0, shard.stderr + shard.stdout);
    // Whole rooms per shard: step 0 seats rooms 0 and 1, one on each shard.
    assert.deepEqual(dirs.map((d) => readReport(d).capacity?.steps.map((s) => s.rooms)), [[2, 4], [2, 4]]);
    const out = tempDir('merged-search');
    const result = await runCli(['merge', ...dirs, '--out', out]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const merged = readReport(out);
    assert.equal(merged.capacity?.outcome, 'max-reached');
    assert.deepEqual(merged.capacity?.steps.map((s) => [s.bots, s.outcome]), [[6, 'held'], [12, 'held']]);
    // The merged step's traffic is both shards' together.
    const perShard = dirs.map((d) => readReport(d).capacity!.steps[1]!.packetsOutPerSecond);
    assert.ok(Math.abs(merged.capacity.steps[1]!.packetsOutPerSecond - perShard[0]! - perShard[1]!) < 1, JSON.stringify(perShard));
    assert.match(result.stdout + result.stderr, /CAPACITY: 12 bots in 4 rooms: max reached/);
  });

  it('refuses reports that are not shards of one run', async () => {
    const result = await runCli(['merge', shardDirs[0]!, shardDirs[0]!, '--out', tempDir('dup')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /shard\(s\) 0 given more than once/);
  });
});
