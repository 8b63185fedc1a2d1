import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import { progressLine } from '../../core/run/progress.js';
import { harnessValidity, latestMachinePercent, machineLoad } from '../../reports/harness-validity.js';
import type { ServerNodeSeries } from '../../reports/report-types.js';

const START = 1_700_000_000_000;
const limits = { maxEventLoopLagMs: 100, maxCpuPercent: 95, maxMachineCpuPercent: 90, sustainedForMs: 5000 };

/** A run of `seconds` whose fleet processes sample lag and CPU once a second, as HarnessProbe does. */
function fleetStore(seconds: number, sample: (process: string, t: number) => { lagMs: number; cpuPercent: number }, processes = ['fleet-0', 'fleet-1']): MetricStore {
  const store = new MetricStore(START);
  for (let t = 0; t < seconds; t++) {
    for (const process of processes) {
      const { lagMs, cpuPercent } = sample(process, t);
      store.record('event_loop_lag_ms', lagMs, process, START + t * 1000 + 500);
      store.record('harness_cpu_percent', cpuPercent, process, START + t * 1000 + 500);
    }
  }
  return store;
}

/** A bundled target's node, sampled once a second as ServerSampler does. */
function targetSeries(seconds: number, cpuPercent: (t: number) => number): ServerNodeSeries[] {
  const points = [...Array(seconds).keys()].map((t) => ({ t, cpuPercent: cpuPercent(t), workerCpuPercent: { 'node-0/worker-0': cpuPercent(t) }, rssMB: 90, rooms: 1, transports: 2, producers: 1, consumers: 1 }));
  return [{ nodeId: 'node-0', points }];
}

describe('harness validity', () => {
  it('a fleet process over its lag or CPU limit for sustainedFor in a row makes the run invalid, shorter spells do not', () => {
    const spell = (length: number) => fleetStore(20, (process, t) => ({ lagMs: process === 'fleet-1' && t >= 8 && t < 8 + length ? 250 : 12, cpuPercent: 40 }));
    assert.deepEqual(harnessValidity(spell(4), limits, null), { valid: true, invalidReason: null });
    const invalid = harnessValidity(spell(5), limits, null);
    assert.equal(invalid.valid, false);
    assert.equal(invalid.invalidReason, 'loader saturated (fleet-1: event-loop lag p99 over 100 ms for 5 s from t=8s): add fleet processes or machines, or lower the load');

    const busy = harnessValidity(fleetStore(20, (process, t) => ({ lagMs: 5, cpuPercent: process === 'fleet-0' && t >= 2 ? 99 : 50 })), limits, null);
    assert.match(busy.invalidReason ?? '', /^loader saturated \(fleet-0: CPU over 95% of a core for 18 s from t=2s\)/);
  });

  it('fleet and bundled target over the machine limit together make the run invalid, though each stays under its own', () => {
    // Two fleet processes at 50% each and the target at 90%: 190% of 2 cores (95%) from t=10 to 15.
    const store = fleetStore(20, () => ({ lagMs: 20, cpuPercent: 50 }));
    const target = targetSeries(20, (t) => (t >= 10 && t < 16 ? 90 : 40));
    const shared = harnessValidity(store, limits, { cores: 2, target });
    assert.equal(shared.valid, false);
    assert.equal(
      shared.invalidReason,
      "machine saturated (fleet and bundled target over 90% of the machine's 2 cores for 6 s from t=10s, 95% on average): each waited for the other, so latency and loss are not the target's alone; lower the load, or run the target on other machines (target.url)",
    );
    // Median second: fleet 2 × 50% and target 40% (70%); the most: target at 90% (95%). Histograms keep 3 digits.
    const load = machineLoad(store, { cores: 2, target })!;
    assert.equal(load.cores, 2);
    assert.ok(Math.abs(load.cpuPercentMedian - 70) < 0.1 && Math.abs(load.cpuPercentMax - 95) < 0.1, JSON.stringify(load));
    assert.equal(machineLoad(store, { cores: 2, target: [] }), null);
    // The same load on 4 cores is 48%; without a bundled target (no series) there is nothing shared to judge.
    assert.equal(harnessValidity(store, limits, { cores: 4, target }).valid, true);
    assert.equal(harnessValidity(store, limits, { cores: 2, target: [] }).valid, true);
    assert.equal(harnessValidity(store, limits, null).valid, true);
    // Seconds whose stats request went unanswered take the CPU of the node's next point, which covers them.
    const unanswered = target.map((node) => ({ ...node, points: node.points.filter((p) => p.t !== 12 && p.t !== 13) }));
    assert.match(harnessValidity(store, limits, { cores: 2, target: unanswered }).invalidReason ?? '', /^machine saturated \(.* for 6 s from t=10s, 95% on average\)/);
    // Over the limit for less than sustainedFor: valid.
    assert.equal(harnessValidity(store, limits, { cores: 2, target: targetSeries(20, (t) => (t >= 10 && t < 14 ? 90 : 40)) }).valid, true);
  });

  it('counts the browsers: each page records its share of its browser\'s CPU', () => {
    // Fleet 2 × 30%, target 40%, and two pages sharing one browser.
    const withPages = (share: number): MetricStore => {
      const store = fleetStore(10, () => ({ lagMs: 5, cpuPercent: 30 }));
      for (let t = 0; t < 10; t++) for (let page = 0; page < 2; page++) store.record('browser_cpu_percent', share, 'chromium', START + t * 1000 + 600);
      return store;
    };
    const target = targetSeries(10, () => 40);
    // Pages at 39% each: 178% of 2 cores, 89%, not over; at 45% each: 95%.
    assert.equal(harnessValidity(withPages(39), limits, { cores: 2, target }).valid, true);
    assert.match(harnessValidity(withPages(45), limits, { cores: 2, target }).invalidReason ?? '', /^machine saturated \(.* for 10 s from t=0s, 95% on average\)/);
  });

  it('gives every reason when both the loader and the machine were saturated', () => {
    const store = fleetStore(10, () => ({ lagMs: 300, cpuPercent: 99 }), ['fleet-0']);
    const result = harnessValidity(store, limits, { cores: 2, target: targetSeries(10, () => 91) });
    assert.match(result.invalidReason ?? '', /^loader saturated \(fleet-0: event-loop lag p99 over 100 ms for 10 s from t=0s; fleet-0: CPU over 95% of a core for 10 s from t=0s\): .*; machine saturated \(fleet and bundled target over 90% of the machine's 2 cores for 10 s from t=0s, 95% on average\)/);
  });

  it('gives the progress line the machine share of the latest second every node was sampled for', () => {
    const store = fleetStore(10, () => ({ lagMs: 5, cpuPercent: 30 }));
    const target = targetSeries(8, (t) => 10 * t);
    assert.equal(latestMachinePercent(store, { cores: 2, target: [] }), null);
    // Second 7, the target's latest: fleet 2 × 30% and target 70% of 2 cores.
    const percent = latestMachinePercent(store, { cores: 2, target });
    assert.ok(percent !== null && Math.abs(percent - 65) < 0.5, `${percent}`);
    // The fleet's samples of second 7 not in yet (one process's latest is second 6): second 6.
    const lagging = fleetStore(7, () => ({ lagMs: 5, cpuPercent: 30 }), ['fleet-0']);
    for (let t = 0; t < 8; t++) lagging.record('harness_cpu_percent', 30, 'fleet-1', START + t * 1000 + 500);
    const earlier = latestMachinePercent(lagging, { cores: 2, target });
    assert.ok(earlier !== null && Math.abs(earlier - 60) < 0.5, `${earlier}`);
    const line = { elapsedS: 8, durationS: 10, connected: 8, planned: 8, failed: 0, packetsPerSecond: 1200, latencyP99Ms: 3.5, lossRatio: 0 };
    assert.match(progressLine({ ...line, machinePercent: percent }), /\| loss 0\.00% \| machine 65%$/);
    assert.match(progressLine({ ...line, machinePercent: null }), /\| loss 0\.00%$/);
  });
});
