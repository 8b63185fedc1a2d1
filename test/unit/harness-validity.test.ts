import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import type { RunPlan } from '../../core/plan/plan.js';
import { progressLine } from '../../core/run/progress.js';
import type { FleetGroup, HarnessLimits } from '../../core/scenario/index.js';
import { harnessValidity as validity, latestMachinePercent, machineLoad, type SharedMachine } from '../../reports/harness-validity.js';
import type { ServerNodeSeries } from '../../reports/report-types.js';
import { planProgress } from '../../reports/validity/plan-progress.js';

const START = 1_700_000_000_000;
const limits: HarnessLimits = { maxEventLoopLagMs: 100, maxCpuPercent: 95, maxMachineCpuPercent: 90, sustainedForMs: 5000, maxJoinBacklog: 0.1, joinGraceMs: 5000, maxSendDeficit: 0.05 };

const audio = { codec: 'opus', ptimeMs: 20, bitrateKbps: 32 } as const;
/** `bots` werift bots of group `voice` in rooms of 4, all speakers, joining evenly over `rampUpMs`. */
function voicePlan(bots: number, rampUpMs = 0): RunPlan {
  return {
    seed: 1,
    rooms: Math.ceil(bots / 4),
    bots: [...Array(bots).keys()].map((id) => ({ id, engine: 'werift', group: 'voice', room: Math.floor(id / 4), joinAtMs: Math.round((rampUpMs * id) / bots), audio, video: null, role: 'speaker', talk: { model: 'always' } })),
  };
}
const voiceGroup: FleetGroup = { engine: 'werift', name: 'voice', count: 8, rampUpMs: 0, audio, talk: { model: 'always' }, speakers: 8, video: null };

/**
 * A store with the load a healthy run of `plan` measures: every bot joined at its planned time,
 * and each second every bot sent 50 packets and received 150.
 */
function deliveredLoad(store: MetricStore, plan: RunPlan, seconds: number): MetricStore {
  for (const bot of plan.bots) store.count('bots_joined', 1, bot.group, START + bot.joinAtMs + 100);
  for (let t = 0; t < seconds; t++) {
    store.count('packets_sent', 50 * plan.bots.length, 'voice', START + t * 1000 + 500);
    store.count('packets_received', 150 * plan.bots.length, 'voice', START + t * 1000 + 500);
  }
  return store;
}

/** Validity of `store` as a complete run of `seconds` with `plan` (default: 8 bots that joined and sent everything). */
function harnessValidity(store: MetricStore, lim: HarnessLimits, machine: SharedMachine | null, plan?: RunPlan, seconds = 20): ReturnType<typeof validity> {
  const runPlan = plan ?? voicePlan(8);
  if (!plan) deliveredLoad(store, runPlan, seconds);
  return validity({ store, limits: lim, machine, plan: runPlan, fleet: [voiceGroup], skipped: [], durationMs: seconds * 1000, complete: true });
}

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

  it('fleet and target over the machine limit together make the run invalid, though each stays under its own', () => {
    // Two fleet processes at 50% each and the target at 90%: 190% of 2 cores (95%) from t=10 to 15.
    const store = fleetStore(20, () => ({ lagMs: 20, cpuPercent: 50 }));
    const target = targetSeries(20, (t) => (t >= 10 && t < 16 ? 90 : 40));
    const shared = harnessValidity(store, limits, { cores: 2, target });
    assert.equal(shared.valid, false);
    assert.equal(
      shared.invalidReason,
      "machine saturated (fleet and target over 90% of the machine's 2 cores for 6 s from t=10s, 95% on average): each waited for the other, so latency and loss are not the target's alone; lower the load, or run the target on other machines (target.url)",
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

  it('a machine kept busy by other processes makes the run invalid too, with or without a bundled target', () => {
    // rtcstorm's processes at 2 × 30% of 2 cores; the machine as a whole 97% busy from t=4 to t=10.
    const busyMachine = (): MetricStore => {
      const store = fleetStore(20, () => ({ lagMs: 5, cpuPercent: 30 }));
      for (let t = 0; t < 20; t++) store.record('machine_cpu_percent', t >= 4 && t < 11 ? 97 : 35, 'machine', START + t * 1000 + 500);
      return store;
    };
    const reason = "machine saturated (its 2 cores over 90% busy for 7 s from t=4s, 97% on average, rtcstorm's own processes 30% of them): other processes took the rest, so latency and loss are not the target's alone; run on a machine of its own";
    assert.equal(harnessValidity(busyMachine(), limits, { cores: 2, target: [] }).invalidReason, reason);
    assert.match(harnessValidity(busyMachine(), limits, { cores: 2, target: targetSeries(20, () => 10) }).invalidReason ?? '', /^machine saturated \(its 2 cores over 90% busy for 7 s from t=4s, 97% on average, rtcstorm's own processes 35% of them\)/);
    // A merge (no machine of its own) does not judge it: each shard did.
    assert.equal(harnessValidity(busyMachine(), limits, null).valid, true);
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
    assert.match(result.invalidReason ?? '', /^loader saturated \(fleet-0: event-loop lag p99 over 100 ms for 10 s from t=0s; fleet-0: CPU over 95% of a core for 10 s from t=0s\): .*; machine saturated \(fleet and target over 90% of the machine's 2 cores for 10 s from t=0s, 95% on average\)/);
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

  it('a second whose samples did not reach the run in time counts against the process: absence is not health', () => {
    // fleet-1 sent nothing from t=6 to t=11 (no lag sample to read as 0); the run counted those seconds missing.
    const store = fleetStore(20, () => ({ lagMs: 5, cpuPercent: 40 }));
    const starved = new MetricStore(START);
    for (let t = 0; t < 20; t++) {
      starved.record('event_loop_lag_ms', 5, 'fleet-0', START + t * 1000 + 500);
      if (t >= 6 && t < 12) starved.count('harness_seconds_missing', 1, 'fleet-1', START + t * 1000 + 500);
      else starved.record('event_loop_lag_ms', 5, 'fleet-1', START + t * 1000 + 500);
    }
    assert.equal(harnessValidity(store, limits, null).valid, true);
    assert.equal(
      harnessValidity(starved, limits, null).invalidReason,
      'loader saturated (fleet-1: not keeping up for 6 s from t=6s (its samples missing in 6 seconds)): add fleet processes or machines, or lower the load',
    );
    // Missing seconds and lag join into one spell: 2 missing, then 3 lagging. Samples that came
    // late (900 ms, in time) are reported, not judged: the spell ends at t=8.
    const mixed = new MetricStore(START);
    for (let t = 0; t < 20; t++) {
      const at = START + t * 1000 + 500;
      if (t === 3 || t === 4) mixed.count('harness_seconds_missing', 1, 'fleet-0', at);
      mixed.record('harness_report_delay_ms', t === 8 ? 900 : 8, 'fleet-0', at);
      mixed.record('event_loop_lag_ms', t >= 5 && t <= 7 ? 400 : 5, 'fleet-0', at);
    }
    assert.match(harnessValidity(mixed, limits, null).invalidReason ?? '', /fleet-0: not keeping up for 5 s from t=3s \(its samples missing in 2 seconds, event-loop lag p99 over 100 ms in 3 seconds\)/);
  });

  it('a join backlog over the limit for sustainedFor, or at the end, makes the run invalid, naming group and seconds', () => {
    const plan = voicePlan(100, 2000);
    const healthy = deliveredLoad(fleetStore(20, () => ({ lagMs: 5, cpuPercent: 40 })), plan, 20);
    assert.equal(harnessValidity(healthy, limits, null, plan).valid, true);
    // Only 60 of 100 joined on time; the other 40 at t=14 s: due (2 s ramp + 5 s grace) by t=7 s, late from second 6 to 13.
    const late = fleetStore(20, () => ({ lagMs: 5, cpuPercent: 40 }));
    plan.bots.forEach((bot, k) => late.count('bots_joined', 1, 'voice', START + (k < 60 ? bot.joinAtMs + 100 : 14_000)));
    for (let t = 0; t < 20; t++) late.count('packets_received', 1000, 'voice', START + t * 1000 + 500);
    for (let k = 0; k < 15; k++) late.count('bots_failed', 1, 'voice', START + 8000);
    const progress = planProgress(plan, late, 20_000, limits.joinGraceMs);
    assert.deepEqual(progress['voice']?.joinBacklogMax, { t: 6, bots: 40, due: 100 });
    assert.deepEqual(progress['voice']?.seconds[5], { t: 5, botsDue: 51, botsJoined: 60, joinBacklog: 0, packetsSent: 0, packetsSkipped: 0 });
    assert.equal(progress['voice']?.seconds[13]?.joinBacklog, 40);
    assert.equal(progress['voice']?.seconds[14]?.joinBacklog, 0);
    assert.equal(
      harnessValidity(late, limits, null, plan).invalidReason,
      'load not delivered as planned (group voice: join backlog over 10% for 8 s from t=6s (40 of 100 bots due by t=7s had not joined: 0 failed, 40 still joining))',
    );
    // A backlog still there when the run ends is not waited out: 2 of 8 never joined, 2 failed.
    const short = voicePlan(8);
    const twoNever = new MetricStore(START);
    short.bots.slice(2).forEach(() => twoNever.count('bots_joined', 1, 'voice', START + 200));
    twoNever.count('bots_failed', 2, 'voice', START + 300);
    for (let t = 0; t < 6; t++) twoNever.count('packets_received', 100, 'voice', START + t * 1000 + 500);
    assert.match(harnessValidity(twoNever, limits, null, short, 6).invalidReason ?? '', /group voice: join backlog over 10% at the end of the run \(2 of 8 bots due by t=6s had not joined: 2 failed, 0 still joining\)/);
    // Within the limit (1 of 20 = 5%): valid.
    const oneOf20 = voicePlan(20);
    const one = new MetricStore(START);
    oneOf20.bots.slice(1).forEach(() => one.count('bots_joined', 1, 'voice', START + 200));
    for (let t = 0; t < 10; t++) one.count('packets_received', 100, 'voice', START + t * 1000 + 500);
    assert.equal(harnessValidity(one, limits, null, oneOf20, 10).valid, true);
  });

  it('a send deficit over the limit for sustainedFor makes the run invalid; one stall does not', () => {
    const plan = voicePlan(8);
    const stalled = (skippedSeconds: number): MetricStore => {
      const store = deliveredLoad(new MetricStore(START), plan, 20);
      // 8 bots × 50 packets a second scheduled; in the stalled seconds 300 of them skipped.
      for (let t = 4; t < 4 + skippedSeconds; t++) store.count('packets_skipped', 300, 'voice', START + t * 1000 + 500);
      return store;
    };
    assert.equal(harnessValidity(stalled(4), limits, null, plan).valid, true);
    const progress = planProgress(plan, stalled(6), 20_000, limits.joinGraceMs)['voice']!;
    assert.equal(progress.packetsSkipped, 1800);
    assert.ok(Math.abs(progress.sendDeficit! - 1800 / (8000 + 1800)) < 1e-9);
    assert.equal(
      harnessValidity(stalled(6), limits, null, plan).invalidReason,
      "load not delivered as planned (group voice: send deficit over 5% for 6 s from t=4s (1,800 of 4,200 scheduled packets skipped: its bots' process was late by more than a packet time))",
    );
  });

  it('a run that measured no load is invalid whatever its thresholds: no join, no media, a silent k6 group, everything skipped', () => {
    const plan = voicePlan(8);
    const check = (store: MetricStore, fleet: FleetGroup[] = [voiceGroup], skipped: Array<{ group: string }> = [], runPlan = plan) =>
      validity({ store, limits, machine: null, plan: runPlan, fleet, skipped, durationMs: 6000, complete: true }).invalidReason;
    const refused = new MetricStore(START);
    refused.count('bots_failed', 8, 'voice', START + 1000);
    assert.match(check(refused) ?? '', /^no load: none of the 8 planned bots joined \(8 failed to join; see the bot-failed events\)/);
    const silent = new MetricStore(START);
    silent.count('bots_joined', 8, 'voice', START + 200);
    assert.match(check(silent) ?? '', /^no load: group voice joined but received no media, though its rooms had speakers/);
    // Listeners alone (no speaker in any room) are not meant to hear anything: no media is no problem.
    const listeners = { ...plan, bots: plan.bots.map((b) => ({ ...b, role: 'listener' as const })) };
    assert.equal(check(silent, [voiceGroup], [], listeners), null);
    const k6: FleetGroup = { engine: 'k6', name: 'storm', load: { executor: 'constant-vus', vus: 2, durationMs: 3000 }, behaviour: { kind: 'join-leave' }, startTimeMs: 0, roomSize: 2, required: false };
    const noPlan = { ...plan, bots: [] };
    assert.equal(check(new MetricStore(START), [k6], [], noPlan), 'no load: k6 group storm measured no signalling request');
    assert.equal(check(new MetricStore(START), [k6], [{ group: 'storm' }], noPlan), 'no load: every fleet group was skipped, so nothing ran');
    const measured = new MetricStore(START);
    measured.record('signalling_rtt_ms', 3, 'storm', START + 500);
    assert.equal(check(measured, [k6], [], noPlan), null);
    // An aborted run is not judged on its load: it is not valid anyway, and says why itself.
    assert.equal(validity({ store: refused, limits, machine: null, plan, fleet: [voiceGroup], skipped: [], durationMs: 6000, complete: false }).valid, true);
  });
});
