/** The capacity search's pure parts: its validation, its growing plan, how a step is judged, and what the search answers. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/index.js';
import { capacitySteps, makeCapacityPlan } from '../../core/plan/capacity-plan.js';
import { makePlan } from '../../core/plan/plan.js';
import { parseScenario, type Scenario } from '../../core/scenario/index.js';
import { capacitySource, parseCapacityAmount } from '../../core/scenario/capacity-source.js';
import { refineCapacity } from '../../core/run/capacity-refine.js';
import type { RunOptions, RunResult } from '../../core/run/run.js';
import { buildReport } from '../../reports/build-report.js';
import { compareReports } from '../../reports/compare/compare.js';
import { junitXml } from '../../reports/junit-xml.js';
import type { CapacityStepReport, Report } from '../../reports/report-types.js';
import { summaryMarkdown } from '../../reports/summary-md.js';
import { verdictOf } from '../../reports/verdict.js';
import { scenarioProblems } from '../helpers/scenario-problems.js';

const search = (capacity: string, rest = ''): string => `
name: search
seed: 3
target: { bundled: { workersPerNode: 1 } }
rooms: { count: 2, size: 6 }
fleet:
  - { engine: werift, name: talkers, count: 10, speakers: 6, talk: { model: p59 } }
  - { engine: werift, name: listeners, count: 2, speakers: 0 }
${rest}
capacity:
${capacity}
`;

const basic = `  start: { rooms: 2 }
  grow: { rooms: 2 }
  max: { rooms: 7 }
  ramp: 2s
  hold: 8s
  slo:
    e2e_latency_ms: ["p(99)<100"]`;

describe('capacity: validation', () => {
  it('accepts a search without a duration: it lasts as long as its steps', () => {
    const scenario = parseScenario(search(basic), 's.yaml');
    assert.equal(scenario.durationMs, 4 * 10_000);
    assert.deepEqual({ ...scenario.capacity, slo: scenario.capacity?.slo.length }, { startRooms: 2, growRooms: 2, maxRooms: 7, rampMs: 2000, holdMs: 8000, slo: 1, refine: false, min: null });
  });

  it('converts bots to whole rooms of the shape (6 bots a room here)', () => {
    const scenario = parseScenario(search(basic.replace('grow: { rooms: 2 }', 'grow: { bots: 7 }').replace('max: { rooms: 7 }', 'max: { bots: 60 }')), 's.yaml');
    assert.equal(scenario.capacity?.growRooms, 2);
    assert.equal(scenario.capacity?.maxRooms, 10);
  });

  it('names the field of each mistake', () => {
    assert.deepEqual(scenarioProblems(search(basic.replace('grow: { rooms: 2 }', 'grow: { rooms: 0 }'))), ['12: capacity.grow.rooms: must be at least 1 (got 0)']);
    assert.deepEqual(scenarioProblems(search(basic.replace('grow: { rooms: 2 }', 'grow: {}'))), ['12: capacity.grow: set rooms or bots, one of them, e.g. { rooms: 10 }']);
    assert.deepEqual(scenarioProblems(search(basic.replace('max: { rooms: 7 }', 'max: { rooms: 1 }'))), ['13: capacity.max: must be at least start, 2 rooms (got 1 room)']);
    assert.deepEqual(scenarioProblems(search(basic.replace('e2e_latency_ms: ["p(99)<100"]', 'video_frames_dropped: ["count<1"]'))), ['17: capacity.slo.video_frames_dropped: no group of this scenario produces video_frames_dropped: only browser groups do']);
    assert.deepEqual(scenarioProblems(search(basic, 'duration: 30s')), ["9: duration: 30s cannot hold the capacity search's 4 steps (4 × (ramp 2s + hold 8s) = 40s): remove duration, or make it at least 40s"]);
    assert.deepEqual(scenarioProblems(search(basic, 'thresholds: { packet_loss_ratio: ["value<0.01"] }')), ['9: thresholds: a capacity search judges each step on capacity.slo, not on thresholds over the whole run: move them to capacity.slo']);
    assert.deepEqual(scenarioProblems(search(`${basic}\n  min: { rooms: 9 }`)), ['18: capacity.min: is above max (7 rooms): the search could never show it']);
    assert.deepEqual(scenarioProblems(search(basic.replace(/ {2}slo:\n.*/, '  slo: {}'))), ['16: capacity.slo: must name at least one SLO, e.g. e2e_latency_ms: ["p(99)<150"]: a step is judged on them']);
  });

  it('still requires a duration without a capacity block', () => {
    assert.deepEqual(scenarioProblems('name: x\nrooms: { count: 1, size: 2 }\nfleet:\n  - { engine: werift, count: 2 }\n'), ['1: duration: is required (or a capacity block, whose steps set the length of the run)']);
  });
});

describe('capacity: the growing plan', () => {
  const scenario = parseScenario(search(basic), 's.yaml');

  it('grows by whole rooms up to max, each step a ramp and a hold', () => {
    const steps = capacitySteps(scenario);
    assert.deepEqual(steps.map((s) => [s.rooms, s.bots, s.publishers, s.startMs, s.holdFromMs, s.endMs]), [
      [2, 12, 6, 0, 2000, 10_000],
      [4, 24, 12, 10_000, 12_000, 20_000],
      [6, 36, 18, 20_000, 22_000, 30_000],
      [7, 42, 21, 30_000, 32_000, 40_000],
    ]);
  });

  it('seats every room with the shape of the scenario, its new bots joining over the step ramp', () => {
    const plan = makePlan(scenario);
    assert.equal(plan.rooms, 7);
    for (let room = 0; room < 7; room++) {
      const members = plan.bots.filter((b) => b.room === room);
      assert.deepEqual([members.length, members.filter((b) => b.role === 'speaker').length, members.filter((b) => b.group === 'listeners').length], [6, 3, 1], `room ${room}`);
    }
    for (const step of capacitySteps(scenario)) {
      const joining = plan.bots.filter((b) => b.joinAtMs >= step.startMs && b.joinAtMs < step.holdFromMs);
      assert.equal(joining.length, step.bots - (step.index === 0 ? 0 : capacitySteps(scenario)[step.index - 1]!.bots));
    }
  });

  it('keeps the rooms of a smaller search, bot for bot: a step only adds rooms', () => {
    const larger = parseScenario(search(basic.replace('max: { rooms: 7 }', 'max: { rooms: 12 }')), 's.yaml');
    const strip = (s: Scenario, rooms: number) => makeCapacityPlan(s).bots.filter((b) => b.room < rooms).map(({ joinAtMs: _, ...seat }) => seat);
    assert.deepEqual(strip(larger, 7), strip(scenario, 7));
    assert.deepEqual(makePlan(scenario), makePlan(parseScenario(search(basic), 'again.yaml')));
  });
});

/** A search's store: every planned bot joins on time, latency per second as `latencyAt(second)` says. */
function searchReport(scenario: Scenario, latencyAt: (t: number) => number, runMs = scenario.durationMs): Report {
  const plan = makePlan(scenario);
  const store = new MetricStore(1_700_000_000_000);
  for (const bot of plan.bots) store.count('bots_joined', 1, bot.group, store.startMs + bot.joinAtMs + 100);
  for (let t = 0; t < runMs / 1000; t++) {
    const atMs = store.startMs + t * 1000 + 500;
    for (let k = 0; k < 50; k++) store.record('e2e_latency_ms', latencyAt(t), 'talkers', atMs);
    store.count('packets_expected', 100, 'talkers', atMs);
    store.count('packets_received', 100, 'talkers', atMs);
  }
  return buildReport({ scenario, plan, store, startedAtMs: store.startMs, durationMs: runMs, complete: true, abortReason: null, targetUrls: [], skipped: [], server: [], machineCores: null });
}

describe('capacity: steps judged, and the answer', () => {
  const scenario = parseScenario(search(basic), 's.yaml');

  it('answers the largest step held and names the SLO that broke the next', () => {
    // Step 2 (rooms 6) starts at 20 s: from its hold on, p99 is over 100 ms.
    const report = searchReport(scenario, (t) => (t >= 22 ? 180 : 5), 32_500);
    const capacity = report.capacity!;
    assert.deepEqual(capacity.steps.map((s) => s.outcome), ['held', 'held', 'target-limit']);
    assert.equal(capacity.outcome, 'target-limit');
    assert.equal(capacity.held?.bots, 24);
    assert.equal(capacity.broke?.step.bots, 36);
    assert.deepEqual([capacity.broke?.slo?.metric, Math.round(capacity.broke?.slo?.value ?? 0)], ['e2e_latency_ms', 180]);
    const verdict = verdictOf(report);
    assert.equal(verdict.exitCode, 0);
    assert.match(verdict.text, /^CAPACITY: 24 bots in 4 rooms; the target broke at 36 bots in 6 rooms \(e2e_latency_ms p\(99\)<100 was 180\.1\)/);
    assert.match(summaryMarkdown(report), /\| 2 \| 6 \| 36 \| 18 \| .* \| 180 ms ❌ \| ❌ target limit \|/);
    const junit = junitXml(report);
    assert.match(junit, /<testcase name="step 1: 24 bots in 4 rooms" classname="rtcstorm.search.capacity" time="10.000"\/>/);
    assert.match(junit, /<testcase name="step 2: 36 bots in 6 rooms"[^>]*>\n\s*<skipped message="the target&#39;s limit: e2e_latency_ms p\(99\)&lt;100 measured 180 ms"/);
  });

  it('judges only the hold window: the disturbance of joins does not break a step', () => {
    const report = searchReport(scenario, (t) => (t % 10 < 2 ? 500 : 5));
    assert.equal(report.capacity?.outcome, 'max-reached');
    assert.equal(report.capacity?.held?.bots, 42);
  });

  it('breaks at the first step, capacity 0, and fails the minimum (exit 99)', () => {
    const strict = parseScenario(search(`${basic}\n  min: { bots: 20 }`), 's.yaml');
    const report = searchReport(strict, () => 500, 12_500);
    assert.equal(report.capacity?.held, null);
    assert.equal(report.capacity?.min?.met, false);
    assert.equal(verdictOf(report).exitCode, 99);
    assert.match(verdictOf(report).text, /^FAILED: capacity 0 bots \(no step held\); .* below capacity.min 20 bots/);
    assert.match(junitXml(report), /<failure message="capacity 0 bots is below 20 bots" type="capacity">/);
  });

  it('calls a search that ended before its answer incomplete, never a pass', () => {
    const report = searchReport(scenario, () => 5, 15_000);
    assert.deepEqual(report.capacity?.steps.map((s) => s.outcome), ['held', 'incomplete']);
    assert.equal(report.capacity?.outcome, 'incomplete');
    assert.equal(verdictOf(report).exitCode, 2);
  });

  it('calls a step the loader\'s limit when a fleet process was saturated in it, whatever its SLOs say', () => {
    const store = (report: Report) => MetricStore.fromJSON(report.raw);
    const base = searchReport(scenario, () => 5, 32_500);
    const saturated = store(base);
    // fleet-0 over 95% of a core for the 5 s (sustainedFor) of seconds 23 to 27, in step 2's hold.
    for (let t = 23; t < 28; t++) saturated.record('harness_cpu_percent', 99, 'fleet-0', saturated.startMs + t * 1000 + 500);
    const report = buildReport({ scenario, plan: makePlan(scenario), store: saturated, startedAtMs: saturated.startMs, durationMs: 32_500, complete: true, abortReason: null, targetUrls: [], skipped: [], server: [], machineCores: null });
    assert.deepEqual(report.capacity?.steps.map((s) => s.outcome), ['held', 'held', 'loader-limit']);
    assert.match(report.capacity?.steps[2]?.reason ?? '', /loader saturated \(fleet-0: CPU over 95% of a core for 5 s from t=23s\)/);
    assert.equal(report.capacity?.broke?.slo, null);
    assert.equal(verdictOf(report).exitCode, 2);
  });

  it('calls joins that failed the target\'s limit, and joins still pending the loader\'s', () => {
    const plan = makePlan(scenario);
    const judged = (failed: boolean) => {
      const s = new MetricStore(1_700_000_000_000);
      // Step 1's new bots (rooms 2 and 3) never join: they failed, or they are still joining.
      for (const bot of plan.bots) {
        if (bot.room >= 2 && bot.room < 4) {
          if (failed) s.count('bots_failed', 1, bot.group, s.startMs + bot.joinAtMs + 100);
          continue;
        }
        s.count('bots_joined', 1, bot.group, s.startMs + bot.joinAtMs + 100);
      }
      for (let t = 0; t < 22; t++) {
        for (let k = 0; k < 50; k++) s.record('e2e_latency_ms', 5, 'talkers', s.startMs + t * 1000 + 500);
        s.count('packets_expected', 100, 'talkers', s.startMs + t * 1000 + 500);
        s.count('packets_received', 100, 'talkers', s.startMs + t * 1000 + 500);
      }
      return buildReport({ scenario, plan, store: s, startedAtMs: s.startMs, durationMs: 22_500, complete: true, abortReason: null, targetUrls: [], skipped: [], server: [], machineCores: null }).capacity!;
    };
    const refused = judged(true);
    assert.deepEqual(refused.steps.map((s) => s.outcome), ['held', 'target-limit']);
    assert.match(refused.steps[1]?.reason ?? '', /^12 joins failed: load not delivered as planned \(group talkers: join backlog/);
    const pending = judged(false);
    assert.deepEqual(pending.steps.map((s) => s.outcome), ['held', 'loader-limit']);
  });

  it('is a regression in compare when the candidate holds less than the baseline by more than a step', () => {
    const baseline = searchReport(scenario, (t) => (t >= 32 ? 180 : 5));
    const same = searchReport(scenario, (t) => (t >= 32 ? 180 : 5));
    const stepLess = searchReport(scenario, (t) => (t >= 22 ? 180 : 5), 32_500);
    const worse = searchReport(scenario, (t) => (t >= 12 ? 180 : 5), 22_500);
    const row = (candidate: Report) => compareReports([baseline], candidate, { tolerance: 0.1 }).rows;
    assert.deepEqual(row(same).map((r) => [r.metric, r.status]), [['capacity_bots', 'ok']]);
    assert.deepEqual(row(stepLess).map((r) => [r.baseline, r.candidate, r.status]), [[36, 24, 'noise']]);
    assert.deepEqual(row(worse).map((r) => [r.baseline, r.candidate, r.status]), [[36, 12, 'regressed']]);
  });
});

describe('capacity: refinement', () => {
  it('bisects rooms between the last held step and the first broken one with probe runs', async () => {
    const wide = parseScenario(search(basic.replace('grow: { rooms: 2 }', 'grow: { rooms: 8 }').replace('max: { rooms: 7 }', 'max: { rooms: 18 }') + '\n  refine: true'), 's.yaml');
    // The target holds 13 rooms (78 bots) and no more; the search steps are 2, 10 and 18 rooms.
    const holds = (rooms: number): boolean => rooms <= 13;
    const first = searchReport(wide, (t) => (t >= 22 ? 500 : 5), 32_500);
    assert.deepEqual(first.capacity?.steps.map((s) => [s.rooms, s.outcome]), [[2, 'held'], [10, 'held'], [18, 'target-limit']]);
    const probed: number[] = [];
    const run = async (probe: Scenario, options: RunOptions): Promise<RunResult> => {
      const rooms = probe.capacity!.maxRooms;
      probed.push(rooms);
      const report = searchReport(probe, () => (holds(rooms) ? 5 : 500));
      return { report, files: [], verdict: verdictOf(report), ...(options.outDir ? {} : {}) };
    };
    const outDir = mkdtempSync(join(tmpdir(), 'rtcstorm-refine-'));
    const options: RunOptions = { outDir, signal: new AbortController().signal };
    const refined = await refineCapacity(wide, { report: first, files: [], verdict: verdictOf(first) }, options, run);
    assert.deepEqual(probed, [14, 12, 13]);
    const capacity = refined.report.capacity!;
    assert.deepEqual(capacity.steps.filter((s: CapacityStepReport) => s.probe).map((s) => [s.index, s.rooms, s.outcome]), [[0, 14, 'target-limit'], [1, 12, 'held'], [2, 13, 'held']]);
    assert.equal(capacity.held?.rooms, 13);
    assert.equal(capacity.broke?.step.rooms, 14);
    assert.match(refined.verdict.text, /^CAPACITY: 78 bots in 13 rooms; the target broke at 84 bots in 14 rooms/);
  });
});

describe('capacity: rtcstorm capacity on a scenario of fixed load', () => {
  const fixed = `# comments stay
name: fixed
duration: 30s
rooms: { count: 3, size: 4 }
fleet:
  - { engine: werift, count: 12 }
thresholds:
  e2e_latency_ms: ["p(99)<150"]
`;

  it('makes a search of it: its rooms the step, its thresholds the SLOs, ten times its rooms the max', () => {
    const text = capacitySource(fixed, {});
    assert.match(text, /^# comments stay\n/);
    const scenario = parseScenario(text, 'fixed.yaml');
    assert.deepEqual([scenario.capacity?.startRooms, scenario.capacity?.growRooms, scenario.capacity?.maxRooms, scenario.thresholds.length], [3, 3, 30, 0]);
    assert.deepEqual(scenario.capacity?.slo.map((s) => `${s.metric} ${s.expression}`), ['e2e_latency_ms p(99)<150']);
    assert.equal(scenario.durationMs, 10 * 25_000);
  });

  it('takes the options of the command line over the block', () => {
    const scenario = parseScenario(capacitySource(fixed, { grow: parseCapacityAmount('8bots'), max: parseCapacityAmount('12'), hold: '5s', refine: true }), 'fixed.yaml');
    assert.deepEqual([scenario.capacity?.growRooms, scenario.capacity?.maxRooms, scenario.capacity?.holdMs, scenario.capacity?.refine], [2, 12, 5000, true]);
    assert.throws(() => parseCapacityAmount('0'), /at least 1 \(got "0"\)/);
    assert.throws(() => parseCapacityAmount('ten'), /expected a number of rooms \(10\) or of bots \(300bots\)/);
  });
});
