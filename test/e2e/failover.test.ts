/**
 * Process chaos on the real bundled cluster: bots of the rooms a failure hits recover through the
 * directory and report how long they were without audio; everyone else sees nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Report } from '../../reports/report-types.js';
import { runCli, tempDir, writeScenario } from '../helpers/cli.js';
import { waitForNoProjectProcesses } from '../helpers/processes.js';

async function run(yaml: string): Promise<Report> {
  const out = tempDir('failover');
  const result = await runCli(['run', writeScenario(yaml), '--out', out]);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
}

/** Room names in a chaos event's detail ("…serving 2 room(s): abc-room-0, abc-room-3") as plan rooms. */
function roomsHit(report: Report, action: string): Set<string> {
  const event = report.events.find((e) => e.kind === 'chaos' && e.action === action);
  assert.ok(event?.ok, `${action} did not happen: ${JSON.stringify(report.events)}`);
  return new Set([...(event.detail ?? '').matchAll(/-(room-\d+)/g)].map((m) => m[1]!));
}

describe('process chaos on the bundled cluster', () => {
  it('kills the busiest node: its rooms recover on the other node, the other rooms see no gap', async () => {
    const report = await run(`
name: kill-busiest
seed: 3
# The killed node's rooms are back on the other one 1-3 s after the kill: 13 s leaves them 3 s more.
duration: 13s
target: { bundled: { nodes: 2, workersPerNode: 1 } }
rooms: { count: 3, size: 3 }
fleet:
  - engine: werift
    count: 9
chaos:
  - { at: 7s, action: kill-node, target: busiest }
`);
    const hit = roomsHit(report, 'kill-node');
    // 3 rooms on 2 nodes: the busiest serves 2 of them.
    assert.equal(hit.size, 2);
    for (const room of report.rooms) {
      if (hit.has(room.room)) {
        assert.equal(room.botFailures, room.bots, `${room.room}: every member fails once`);
      } else {
        assert.equal(room.botFailures, 0, `${room.room} was on the surviving node`);
        assert.equal(room.mediaGaps, 0, `${room.room} was on the surviving node`);
      }
    }
    const affected = report.rooms.filter((r) => hit.has(r.room)).reduce((n, r) => n + r.bots, 0);
    assert.equal(report.metrics.bot_failures, affected);
    assert.equal(report.metrics.recovery_time_ms?.count, affected, 'one recovery time per failed bot');
    assert.equal(report.recoveries.length, 1);
    assert.equal(report.recoveries[0]!.botFailures, affected);
    assert.equal(report.bots.failed, 0);
    assert.equal(report.timeline.length, 13);
    assert.equal(report.timeline.at(-1)!.botsConnected, 9);
    // The killed node's series stops; the survivor's continues to the end.
    assert.equal(report.server.nodes.length, 2);
    assert.ok(report.server.nodes.some((n) => n.points.at(-1)!.rooms === 3));
    assert.deepEqual(await waitForNoProjectProcesses(), []);
  });

  it('recovers from a worker kill, rides out a short pause and fails over a long one', async () => {
    const report = await run(`
name: worker-and-pauses
seed: 5
duration: 25s
target: { bundled: { nodes: 1, workersPerNode: 2 } }
rooms: { count: 2, size: 3 }
fleet:
  - engine: werift
    count: 6
recovery: { mediaTimeout: 2s }
chaos:
  - { at: 7s, action: kill-worker, target: node-0/worker-0 }
  - { at: 13s, action: pause-node, target: node-0, for: 1s }
  - { at: 16s, action: pause-node, target: node-0, for: 4s }
`);
    const [workerKill, shortPause, longPause] = report.recoveries;
    assert.equal(report.recoveries.length, 3);
    const hit = roomsHit(report, 'kill-worker');
    assert.equal(hit.size, 1, 'two rooms on two workers: one room per worker');
    assert.ok(report.events.some((e) => e.kind === 'worker-died' && e.target === 'node-0/worker-0'), 'the node reports its worker died');
    assert.equal(workerKill!.botFailures, 3);
    assert.equal(workerKill!.recoveryTimeMs?.count, 3);
    assert.equal(shortPause!.botFailures, 0, 'a pause shorter than the media timeout is no failure');
    assert.equal(longPause!.botFailures, 6, 'a pause longer than the media timeout fails every bot of the node');
    assert.equal(longPause!.recoveryTimeMs?.count, 6);
    assert.ok(longPause!.recoveryTimeMs.min >= 2000, 'nobody can hear anyone before the node resumes');
    assert.equal(report.events.filter((e) => e.kind === 'chaos-end').length, 2);
    assert.equal(report.bots.failed, 0);
    assert.equal(report.timeline.at(-1)!.botsConnected, 6);
    assert.deepEqual(await waitForNoProjectProcesses(), []);
  });
});
