/**
 * Client chaos through real mediasoup, as a user runs it: a reconnect of 30% of a room of 100 werift
 * bots (the thundering herd after an outage: all of them rejoin, with their backoff, at once) and,
 * after it, a churn of a group in the same room (leaving and joining at 2/s for 8 s). Every reconnected bot
 * rejoins, nobody fails, the herd shows in the rejoin times, and a speaker's absence is not loss.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import type { Report } from '../../reports/report-types.js';
import { runCli, tempDir, writeScenario } from '../helpers/cli.js';
import { waitForNoProcessesWithEnv } from '../helpers/processes.js';

const reconnectAtS = 12;
/** The churn starts once the herd is back (it takes 1-2 s here), so no bot is in both at once. */
const churnAtS = 16;
/** The churn's last rejoin starts by 27 s (its last leave by 24 s, away 3 s; rejoins take ~50 ms): 3 s to spare. */
const durationS = 30;
/** The seconds in which the herd rejoins. */
const herdS = 4;

describe('reconnect and churn end to end', () => {
  it('a 30% reconnect of a room of 100 bots: exactly 30 drop and all 30 rejoin as a herd, none fails; a churn at 2/s for 8 s leaves and rejoins 16 times', async () => {
    const out = tempDir('reconnect');
    const id = randomUUID();
    // One room: a stage of 90 (4 speakers) and a chatter group of 10 (2 speakers) that churns after the herd.
    const result = await runCli(['run', writeScenario(`
name: herd
seed: 5
duration: ${durationS}s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 100 }
fleet:
  - { engine: werift, name: stage, count: 90, speakers: 4, rampUp: 5s }
  - { engine: werift, name: chatter, count: 10, speakers: 2, rampUp: 5s }
chaos:
  - { at: ${reconnectAtS}s, action: reconnect, bots: "30%" }
  - { at: ${churnAtS}s, action: churn, group: chatter, rate: 2, for: 8s, away: 3s }
`), '--out', out], { RTCSTORM_TEST_RUN: id });
    // 0, or 2 when the shared machine was too busy for the harness to vouch for the load: the report is written either way.
    assert.ok(result.code === 0 || result.code === 2, `exit ${result.code}\n${result.stderr}${result.stdout}`);
    assert.deepEqual(await waitForNoProcessesWithEnv(`RTCSTORM_TEST_RUN=${id}`), [], 'every process of the run is gone');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    const store = MetricStore.fromJSON(report.raw);

    const step = report.events.find((e) => e.kind === 'chaos' && e.action === 'reconnect');
    assert.ok(step?.ok, JSON.stringify(step));
    assert.match(step.detail ?? '', /^30 participant\(s\) dropped signalling and media: bot-\d+, /);

    // Every reconnected bot rejoined; induced, so no failure is counted.
    assert.equal(store.counter('reconnects'), 30);
    const rejoins = store.histogram('rejoin_time_ms', undefined, reconnectAtS, reconnectAtS + herdS - 1);
    assert.equal(rejoins.count, 30, 'a rejoin_time_ms sample for every reconnected bot');
    assert.equal(store.counter('bots_failed'), 0);
    assert.equal(store.counter('bot_failures'), 0);
    assert.equal(store.histogram('recovery_time_ms').count, 30, 'recovery measured for each, and for nobody else');
    assert.equal(report.metrics.clients?.reconnects, 30);

    // The herd: its rejoins take longer than the ramp's joins, and they come in a burst right after the step.
    const joinP50 = store.histogram('join_time_ms').percentile(50);
    const rejoinP50 = rejoins.percentile(50);
    const perSecond = [...Array(churnAtS - reconnectAtS).keys()].map((k) => store.histogram('rejoin_time_ms', undefined, reconnectAtS + k, reconnectAtS + k).count);
    const peakAfterS = perSecond.indexOf(Math.max(...perSecond));
    console.log(`# join_time_ms p50 ${joinP50.toFixed(0)} ms; rejoin_time_ms p50 ${rejoinP50.toFixed(0)} ms, p95 ${rejoins.percentile(95).toFixed(0)} ms; rejoins per second from t=${reconnectAtS}s: ${perSecond.join(' ')}`);
    assert.ok(rejoinP50 > joinP50 || peakAfterS <= 3, `no herd: rejoin p50 ${rejoinP50} ms vs join p50 ${joinP50} ms, peak ${peakAfterS} s after the step`);

    // Churn: 16 leaves, each rejoined; a speaker away is not lost packets for its listeners.
    const churn = report.events.find((e) => e.kind === 'chaos' && e.action === 'churn');
    assert.ok(churn?.ok && churn.durationMs === 8000, JSON.stringify(churn));
    const churnEnd = report.events.find((e) => e.kind === 'chaos-end' && e.action === 'churn');
    assert.ok(churnEnd?.ok && Math.abs(churnEnd.atMs - (churnAtS + 8) * 1000) < 1000, JSON.stringify(churnEnd));
    assert.equal(store.counter('churn_leaves', 'chatter'), 16);
    assert.equal(store.counter('churn_joins', 'chatter'), 16);
    assert.equal(store.histogram('rejoin_time_ms', 'chatter', churnAtS, durationS - 1).count, 16);
    const loss = report.metrics.packet_loss_ratio ?? 0;
    console.log(`# packet_loss_ratio ${(loss * 100).toFixed(3)}% over ${report.packets.expected} packets; churn rejoin p50 ${store.histogram('rejoin_time_ms', 'chatter', churnAtS, durationS - 1).percentile(50).toFixed(0)} ms`);
    assert.ok(loss < 0.01, `loss ${loss}`);
  });

  it('browsers too: a reconnect and a churn of two Chromium participants; both rejoin, are heard again by everyone, and their absence is not loss', async () => {
    const out = tempDir('reconnect-browsers');
    const id = randomUUID();
    const result = await runCli(['run', writeScenario(`
name: browser-herd
seed: 3
duration: 24s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 6 }
fleet:
  - { engine: werift, name: voice, count: 4, rampUp: 2s }
  - { engine: browser, name: browsers, count: 2, perProcess: 2, audio: { codec: opus } }
chaos:
  - { at: 10s, action: reconnect, group: browsers }
  - { at: 15s, action: churn, group: browsers, rate: 1, for: 2s, away: 2s }
`), '--out', out], { RTCSTORM_TEST_RUN: id });
    assert.ok(result.code === 0 || result.code === 2, `exit ${result.code}\n${result.stderr}${result.stdout}`);
    assert.deepEqual(await waitForNoProcessesWithEnv(`RTCSTORM_TEST_RUN=${id}`), [], 'every process of the run is gone');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    const store = MetricStore.fromJSON(report.raw);
    assert.equal(store.counter('reconnects', 'browsers'), 2);
    assert.equal(store.counter('churn_leaves', 'browsers'), 2);
    assert.equal(store.counter('churn_joins', 'browsers'), 2);
    assert.equal(store.histogram('rejoin_time_ms', 'browsers').count, 4, 'a rejoin for each reconnect and churn leave');
    assert.equal(report.groups.browsers!.bots.failed, 0);
    for (const group of ['voice', 'browsers']) assert.equal(report.groups[group]!.metrics.packet_loss_ratio, 0, `${group} counted an absence as loss`);
    // Heard again: the werift bots receive as much after the browsers are back as before they left (4 bots × 5 senders × 50/s).
    const received = (from: number, to: number): number => store.counter('packets_received', 'voice', from, to) / (to - from + 1);
    assert.ok(received(20, 22) >= 0.95 * received(5, 8), `voice received ${received(20, 22)}/s after, ${received(5, 8)}/s before`);
  });
});
