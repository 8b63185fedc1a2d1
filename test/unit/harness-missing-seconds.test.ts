/**
 * Absence is not health, for the run process and the machine check too: a second that should have
 * had a sample and has none, on recorded per-second data, joins a spell instead of breaking it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SampleDeadline } from '../../bots/sample-deadline.js';
import { MetricStore } from '../../core/metrics/store.js';
import type { RunPlan } from '../../core/plan/plan.js';
import type { FleetGroup, HarnessLimits } from '../../core/scenario/index.js';
import { harnessValidity, type SharedMachine } from '../../reports/harness-validity.js';
import type { ServerNodeSeries } from '../../reports/report-types.js';

const START = 1_700_000_000_000;
const limits: HarnessLimits = { maxEventLoopLagMs: 100, maxCpuPercent: 95, maxMachineCpuPercent: 90, sustainedForMs: 3000, maxJoinBacklog: 0.1, joinGraceMs: 5000, maxSendDeficit: 0.05 };
const at = (t: number): number => START + t * 1000 + 500;
const seconds = 12;

const audio = { codec: 'opus', ptimeMs: 20, bitrateKbps: 32 } as const;
const plan: RunPlan = { seed: 1, rooms: 1, bots: [0, 1].map((id) => ({ id, engine: 'werift', group: 'voice', room: 0, joinAtMs: 0, audio, video: null, role: 'speaker', talk: { model: 'always' } })) };
const voice: FleetGroup = { engine: 'werift', name: 'voice', count: 2, rampUpMs: 0, audio, talk: { model: 'always' }, speakers: 2, video: null };

/** Load that happened as planned, so that only the checks under test can find anything. */
function delivered(store: MetricStore): MetricStore {
  store.count('bots_joined', 2, 'voice', START + 100);
  for (let t = 0; t < seconds; t++) {
    store.count('packets_sent', 100, 'voice', at(t));
    store.count('packets_received', 100, 'voice', at(t));
  }
  return store;
}

function reason(store: MetricStore, machine: SharedMachine | null): string | null {
  return harnessValidity({ store: delivered(store), limits, machine, plan, fleet: [voice], skipped: [], durationMs: seconds * 1000, complete: true }).invalidReason;
}

/** A fleet process healthy in every second but those `skip` leaves out. */
function fleetProcess(store: MetricStore, process: string, cpuPercent: number, skip: (t: number) => boolean = () => false): void {
  for (let t = 0; t < seconds; t++) {
    if (skip(t)) continue;
    store.record('event_loop_lag_ms', 5, process, at(t));
    store.record('harness_cpu_percent', cpuPercent, process, at(t));
  }
}

function targetSeries(cpuPercent: (t: number) => number): ServerNodeSeries[] {
  const points = [...Array(seconds).keys()].map((t) => ({ t, cpuPercent: cpuPercent(t), workerCpuPercent: {}, rssMB: 90, rooms: 1, transports: 2, producers: 1, consumers: 1 }));
  return [{ nodeId: 'node-0', points }];
}

/**
 * The run process as run.ts samples itself: at each second's end, its lag and CPU and the
 * machine's; its event loop stalled from end(3) to end(6) + 200 ms, so seconds 4 and 5 were skipped
 * and the wake-up sample of second 6 holds the stall as lag.
 */
function runProcess(store: MetricStore, machinePercent: (t: number) => number): void {
  const deadline = new SampleDeadline(store, 'run', seconds - 1);
  const wakeUps = [...Array(seconds).keys()].filter((t) => t < 4 || t > 6).map((t) => START + (t + 1) * 1000 + 3);
  wakeUps.push(START + 7200);
  for (const nowMs of wakeUps.sort((a, b) => a - b)) {
    const t = deadline.dueNow(nowMs);
    if (t === undefined) continue;
    store.record('event_loop_lag_ms', t === 6 ? 2200 : 4, 'run', at(t));
    store.record('harness_cpu_percent', 30, 'run', at(t));
    store.record('machine_cpu_percent', machinePercent(t), 'machine', at(t));
  }
}

describe('seconds without samples, for the run process and the machine', () => {
  it('a stall of the run process is a spell of its own: the seconds it skipped count, not only its lag', () => {
    const store = new MetricStore(START);
    fleetProcess(store, 'fleet-0', 40);
    runProcess(store, () => 40);
    assert.deepEqual([3, 4, 5, 6].map((t) => store.counter('harness_seconds_missing', 'run', t, t)), [0, 1, 1, 0]);
    assert.equal(
      reason(store, null),
      'loader saturated (run: not keeping up for 3 s from t=4s (its samples missing in 2 seconds, event-loop lag p99 over 100 ms in 1 second)): add fleet processes or machines, or lower the load',
    );
  });

  it('the machine busy around the seconds the run process missed is one saturated spell, not two short ones', () => {
    // 97% busy in seconds 3 and 7, the run's stall in between (4 and 5 have no machine sample, 6 its wake-up).
    const store = new MetricStore(START);
    fleetProcess(store, 'fleet-0', 30);
    runProcess(store, (t) => (t >= 3 && t <= 7 ? 97 : 35));
    assert.match(
      reason(store, { cores: 2, target: [] }) ?? '',
      /machine saturated \(its 2 cores over 90% busy for 5 s from t=3s, 97% on average in the 3 s measured, rtcstorm's own processes 30% of them, the other 2 s without samples: the run process, which takes them, was stalled\): other processes took the rest/,
    );
  });

  it('a second without a machine sample that nobody counted missing is read as before: reports of older runs judge alike', () => {
    // The machine busy 97% in seconds 3-4 and 7-8, no sample of it or of fleet-0 in 5-6, and no
    // missing second recorded (as in a report of a run before the run timed the samples): two
    // spells of 2 s, not one of 6.
    const store = new MetricStore(START);
    fleetProcess(store, 'fleet-0', 30, (t) => t === 5 || t === 6);
    for (let t = 0; t < seconds; t++) if (t !== 5 && t !== 6) store.record('machine_cpu_percent', t >= 3 && t <= 8 ? 97 : 35, 'machine', at(t));
    assert.equal(reason(store, { cores: 2, target: [] }), null);
    // Where the machine is not sampled at all (no /proc/stat), a run-process stall is the loader check's alone.
    const unsampled = new MetricStore(START);
    unsampled.count('harness_seconds_missing', 1, 'run', at(4));
    unsampled.count('harness_seconds_missing', 1, 'run', at(5));
    unsampled.count('harness_seconds_missing', 1, 'run', at(6));
    fleetProcess(unsampled, 'run', 30, (t) => t >= 4 && t <= 6);
    assert.doesNotMatch(reason(unsampled, { cores: 2, target: [] }) ?? '', /machine saturated/);
  });

  it('a fleet process starved of its samples does not read as idle in the fleet-and-target sum', () => {
    // fleet-0 at 50% and the target at 90% (95% of 2 cores) in seconds 2-3 and 6-7; fleet-1 at 50%
    // but counted missing in 4-5, with nothing of them ever arriving.
    const target = targetSeries((t) => (t >= 2 && t <= 7 ? 90 : 20));
    const starved = (lateCpu?: number): MetricStore => {
      const store = new MetricStore(START);
      fleetProcess(store, 'fleet-0', 50);
      fleetProcess(store, 'fleet-1', 50, (t) => t === 4 || t === 5);
      for (const t of [4, 5]) {
        store.count('harness_seconds_missing', 1, 'fleet-1', at(t));
        if (lateCpu !== undefined) store.record('harness_cpu_percent', lateCpu, 'fleet-1', at(t));
      }
      return store;
    };
    assert.match(
      reason(starved(), { cores: 2, target }) ?? '',
      /machine saturated \(fleet and target over 90% of the machine's 2 cores for 6 s from t=2s, 95% on average in the 4 s measured, the other 2 s without samples: a harness process too starved to send them\)/,
    );
    // Its samples came after all, late: they count for what they say (10%, so 75% of the machine).
    assert.doesNotMatch(reason(starved(10), { cores: 2, target }) ?? '', /machine saturated/);
  });
});
