/** Network traces in the report: per-group timelines, the configured series of traced groups, how far measured was from configured, and the writers' trace sections. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/index.js';
import { planRun } from '../../core/plan/planned-run.js';
import { parseScenario, type ImpairmentProfile, type Scenario } from '../../core/scenario/index.js';
import type { NetworkTrace } from '../../core/scenario/network-types.js';
import { buildReport } from '../../reports/build-report.js';
import { configuredLoss, traceSeries } from '../../reports/group-network.js';
import { chartData } from '../../reports/html/chart-data.js';
import { reportHtml } from '../../reports/html/report-html.js';
import { reportSchema } from '../../reports/report-schema.js';
import type { Report } from '../../reports/report-types.js';
import { summaryMarkdown } from '../../reports/summary-md.js';
import { groupTraceFits, traceFit } from '../../reports/trace-fit.js';

const START = 1_700_000_000_000;
const SECONDS = 10;

const yaml = `name: traced
seed: 1
duration: ${SECONDS}s
rooms: { count: 2, size: 4 }
fleet:
  - { engine: werift, name: mobile, count: 4 }
  - { engine: werift, name: clean, count: 4 }
network:
  profiles: { lte: { delay: 1ms }, burst: { loss: 1% } }
  assign:
    - { group: mobile, profile: lte, direction: down }
chaos:
  - { at: 6s, action: impair, group: clean, profile: burst, direction: down, for: 2s }
`;

const none: ImpairmentProfile = { loss: null, delayMs: 0, jitter: null, duplicateRatio: 0, rate: null, blackhole: false };

/** From 2 s of the run: 40 ms and 10% random loss for 3 s, then a Gilbert-Elliott row (stationary loss 0.25·0.8 = 0.2) with jitter and a rate for 2 s, then nothing. */
const lte: NetworkTrace = {
  file: 'lte.csv',
  format: 'csv',
  intervals: [
    { atMs: 0, profile: { ...none, delayMs: 40, loss: { kind: 'random', ratio: 0.1 } } },
    { atMs: 3000, profile: { ...none, loss: { kind: 'gilbert-elliott', p: 0.1, r: 0.3, lossInBad: 0.8, lossInGood: 0 }, jitter: { ms: 5, distribution: 'uniform', reorder: false }, rate: { kbps: 500, queueLimit: 50 } } },
    { atMs: 5000, profile: null },
  ],
  lengthMs: 6000,
  loop: false,
  startAtMs: 2000,
};

/** 20% loss all the time, looping: the impair step (6 s for 2 s) decides when it applies. */
const burst: NetworkTrace = { file: 'burst.json', format: 'json', intervals: [{ atMs: 0, profile: { ...none, loss: { kind: 'random', ratio: 0.2 } } }], lengthMs: 1000, loop: true, startAtMs: 0 };

function scenario(traced: boolean): Scenario {
  const s = parseScenario(yaml, 'traced.yaml');
  // Until the scenario loader reads trace files, the traced profiles are put in place by hand.
  if (traced) s.network!.profiles = { lte: { trace: lte }, burst: { trace: burst } };
  return s;
}

/** What each group measured per second: [latency p50 (ms), loss ratio]. */
const mobileMeasured: Array<[number, number]> = [
  [20, 0], [20, 0], // before the trace starts
  [63, 0.12], [63, 0.12], [63, 0.12], // 40 ms and 10%: 3 ms and 2 points off
  [20, 0.2], [20, 0.2], // Gilbert-Elliott 20%: on target
  [20, 0], [20, 0], [20, 0],
];
const cleanMeasured: Array<[number, number]> = [[20, 0], [20, 0], [20, 0], [20, 0], [20, 0], [20, 0], [20, 0.25], [20, 0.25], [20, 0], [20, 0]];

function fill(store: MetricStore, group: string, measured: Array<[number, number]>, bots: number, jitterMs: number): void {
  store.count('bots_joined', 4, group, START);
  measured.forEach(([latency, loss], t) => {
    const at = START + t * 1000 + 500;
    for (let i = 0; i < 200; i++) store.record('e2e_latency_ms', latency, group, at);
    store.record('jitter_ms', jitterMs, group, at);
    store.count('packets_sent', 100, group, at);
    store.count('packets_expected', 1000, group, at);
    store.count('packets_received', Math.round(1000 * (1 - loss)), group, at);
    store.gauge('bots_connected', bots, group, at);
  });
}

function report(traced: boolean): Report {
  const s = scenario(traced);
  const store = new MetricStore(START);
  fill(store, 'mobile', mobileMeasured, 4, 2);
  fill(store, 'clean', cleanMeasured, 3, 1);
  const planned = planRun(s);
  return buildReport({ scenario: s, plan: planned.whole, network: planned.network, store, startedAtMs: START, durationMs: SECONDS * 1000, complete: true, abortReason: null, targetUrls: ['ws://127.0.0.1:40000'], skipped: [], server: [], machineCores: null });
}

const near = (actual: number | null | undefined, expected: number, tolerance: number, what: string): void => {
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not ${expected} ± ${tolerance}`);
};

describe('network traces in the report', () => {
  const traced = report(true);
  const untraced = report(false);

  it('gives every group a timeline of what its bots measured, per second, and the run-wide one is their sum', () => {
    const mobile = traced.groups.mobile!.timeline!;
    const clean = traced.groups.clean!.timeline!;
    assert.equal(mobile.length, SECONDS);
    assert.deepEqual(mobile.map((p) => p.t), [...Array(SECONDS).keys()]);
    assert.deepEqual(mobile.map((p) => p.botsConnected), Array(SECONDS).fill(4));
    assert.deepEqual(clean.map((p) => p.botsConnected), Array(SECONDS).fill(3));
    assert.deepEqual(traced.timeline.map((p) => p.botsConnected), Array(SECONDS).fill(7));
    assert.deepEqual(mobile.map((p) => p.packetsReceived), mobileMeasured.map(([, loss]) => Math.round(1000 * (1 - loss))));
    mobile.forEach((p, t) => {
      near(p.latencyP50Ms, mobileMeasured[t]![0], 0.5, `mobile p50 at ${t}`);
      near(p.latencyP99Ms, mobileMeasured[t]![0], 0.5, `mobile p99 at ${t}`);
      near(p.lossRatio, mobileMeasured[t]![1], 1e-9, `mobile loss at ${t}`);
      near(p.jitterP95Ms, 2, 0.05, `mobile jitter at ${t}`);
    });
    near(clean[6]!.lossRatio, 0.25, 1e-9, 'clean loss at 6');
    near(traced.timeline[6]!.lossRatio, (200 + 250) / 2000, 1e-9, 'run-wide loss at 6');
    // Compact: the run's fields but packets sent and p95.
    assert.deepEqual(Object.keys(mobile[0]!).sort(), ['botsConnected', 'jitterP95Ms', 'latencyP50Ms', 'latencyP99Ms', 'lossRatio', 'packetsReceived', 't']);
  });

  it('has nulls in a group timeline where the group measured nothing', () => {
    const store = new MetricStore(START);
    fill(store, 'mobile', mobileMeasured.slice(0, 3), 4, 2);
    const s = scenario(false);
    const planned = planRun(s);
    const built = buildReport({ scenario: s, plan: planned.whole, network: planned.network, store, startedAtMs: START, durationMs: 5000, complete: true, abortReason: null, targetUrls: [], skipped: [], server: [], machineCores: null });
    assert.deepEqual(built.groups.clean!.timeline!.map((p) => [p.botsConnected, p.packetsReceived, p.latencyP50Ms, p.lossRatio, p.jitterP95Ms]), Array(5).fill([0, 0, null, null, null]));
    assert.deepEqual(built.groups.mobile!.timeline!.slice(3).map((p) => p.latencyP50Ms), [null, null]);
  });

  it('writes the configured series of assigned traces and of impair steps with a trace, at the middle of each second', () => {
    const mobile = traced.groups.mobile!.network!.traces!;
    assert.equal(mobile.length, 1);
    const { series, ...entry } = mobile[0]!;
    assert.deepEqual(entry, { profile: 'lte', direction: 'down', bots: 4 });
    assert.equal(series.length, SECONDS);
    const zero = (t: number) => ({ t, lossRatio: 0, delayMs: 0, jitterMs: 0, rateKbps: null });
    assert.deepEqual(series[0], zero(0));
    assert.deepEqual(series[1], zero(1), 'the trace starts at 2 s');
    assert.deepEqual(series[2], { t: 2, lossRatio: 0.1, delayMs: 40, jitterMs: 0, rateKbps: null });
    assert.deepEqual(series[4], { t: 4, lossRatio: 0.1, delayMs: 40, jitterMs: 0, rateKbps: null });
    near(series[5]!.lossRatio, 0.2, 1e-12, 'Gilbert-Elliott stationary loss');
    assert.deepEqual({ ...series[5], lossRatio: 0 }, { t: 5, lossRatio: 0, delayMs: 0, jitterMs: 5, rateKbps: 500 });
    assert.equal(series[6]!.rateKbps, 500);
    assert.deepEqual(series[7], zero(7), 'the null row holds after 7 s');
    assert.deepEqual(series[9], zero(9));

    const clean = traced.groups.clean!.network!.traces!;
    assert.equal(clean.length, 1);
    assert.equal(clean[0]!.step, 0);
    assert.equal(clean[0]!.bots, 4);
    assert.deepEqual(clean[0]!.series.map((s) => s.lossRatio), [0, 0, 0, 0, 0, 0, 0.2, 0.2, 0, 0], 'the step holds for [6 s, 8 s) only');
  });

  it('times a trace on the run clock: a start inside a second, looping', () => {
    const loop: NetworkTrace = { ...burst, intervals: [{ atMs: 0, profile: { ...none, delayMs: 10 } }, { atMs: 1000, profile: { ...none, delayMs: 30 } }], lengthMs: 2000, startAtMs: 1500 };
    assert.deepEqual(traceSeries(loop, 6000).map((s) => s.delayMs), [0, 10, 30, 10, 30, 10]);
    assert.deepEqual(traceSeries(loop, 6000, { fromMs: 2000, untilMs: 4500 }).map((s) => s.delayMs), [0, 0, 30, 10, 0, 0]);
    assert.deepEqual(traceSeries(loop, 2500).length, 3, 'one point per started second');
  });

  it('takes a Gilbert-Elliott model at its stationary loss', () => {
    near(configuredLoss({ kind: 'gilbert-elliott', p: 0.1, r: 0.3, lossInBad: 0.8, lossInGood: 0.04 }), 0.25 * 0.8 + 0.75 * 0.04, 1e-12, 'GE');
    near(configuredLoss({ kind: 'gilbert-elliott', p: 0, r: 0, lossInBad: 1, lossInGood: 0.01 }), 0.01, 1e-12, 'GE never leaving good');
    assert.equal(configuredLoss({ kind: 'random', ratio: 0.03 }), 0.03);
    assert.equal(configuredLoss(null), 0);
  });

  it('fits configured against measured over the seconds the trace impaired', () => {
    const [mobile] = groupTraceFits(traced.groups.mobile!);
    assert.equal(mobile!.secondsImpaired, 5);
    near(mobile!.baselineMs, 20, 0.1, 'baseline: p50 of seconds without configured delay');
    assert.equal(mobile!.baselineFrom, 'undelayed-seconds');
    near(mobile!.lossMaePoints, (3 * 2 + 2 * 0) / 5, 1e-9, 'loss MAE');
    near(mobile!.latencyMaeMs, (3 * 3 + 2 * 0) / 5, 0.15, 'latency MAE');
    const [clean] = groupTraceFits(traced.groups.clean!);
    assert.equal(clean!.secondsImpaired, 2);
    near(clean!.lossMaePoints, 5, 1e-9, 'clean loss MAE');
    near(clean!.latencyMaeMs, 0, 0.1, 'clean latency MAE');
  });

  it('falls back to the unimpaired groups\' latency when the trace delays every second, and skips seconds without measurements', () => {
    const series = [0, 1, 2].map((t) => ({ t, lossRatio: 0.1, delayMs: 50, jitterMs: 0, rateKbps: null }));
    const timeline = [
      { t: 0, botsConnected: 1, packetsReceived: 1, latencyP50Ms: 80, latencyP99Ms: 80, jitterP95Ms: null, lossRatio: 0.1 },
      { t: 1, botsConnected: 1, packetsReceived: 0, latencyP50Ms: null, latencyP99Ms: null, jitterP95Ms: null, lossRatio: null },
      { t: 2, botsConnected: 1, packetsReceived: 1, latencyP50Ms: 60, latencyP99Ms: 60, jitterP95Ms: null, lossRatio: 0.3 },
    ];
    const fit = traceFit({ profile: 'p', direction: 'down', bots: 1, series }, timeline, 20);
    assert.equal(fit.baselineFrom, 'unimpaired-groups');
    assert.equal(fit.secondsImpaired, 3);
    near(fit.latencyMaeMs, (10 + 10) / 2, 1e-9, 'latency MAE');
    near(fit.lossMaePoints, (0 + 20) / 2, 1e-9, 'loss MAE');
    const alone = traceFit({ profile: 'p', direction: 'down', bots: 1, series }, timeline, null);
    assert.equal(alone.latencyMaeMs, null);
    assert.equal(alone.baselineMs, null);
  });

  it('is valid report.json; a fixed-profile run has network sections without traces', () => {
    assert.doesNotThrow(() => reportSchema.parse(JSON.parse(JSON.stringify(traced))));
    assert.ok(untraced.groups.mobile!.network, 'the fixed run impairs the network too');
    assert.equal(untraced.groups.mobile!.network.traces, undefined);
    assert.equal(untraced.groups.clean!.network!.traces, undefined);
  });

  it('summary.md has a line per trace with its errors', () => {
    const md = summaryMarkdown(traced);
    assert.match(md, /- `mobile`: profile `lte` \(down, 4 bots\): loss off by 1\.20 points, latency off by 1\.8 ms \(mean absolute error per second over 5 impaired seconds; baseline 20\.\d ms/);
    assert.match(md, /- `clean`: profile `burst` \(down, 4 bots, chaos step 0\): loss off by 5\.00 points/);
    assert.doesNotMatch(summaryMarkdown(untraced), /Network trace/);
  });

  it('report.html has a trace section per traced group, drawing configured over measured, and none in an untraced run', () => {
    const html = reportHtml(traced);
    assert.match(html, /<h2>Network trace: mobile<\/h2>/);
    assert.match(html, /<h2>Network trace: clean<\/h2>/);
    const charts = chartData(traced).traces!;
    assert.deepEqual(charts.map((c) => `${c.group}:${c.kind}`), ['mobile:loss', 'mobile:latency', 'mobile:jitter', 'mobile:rate', 'clean:loss', 'clean:latency']);
    assert.equal((html.match(/data-chart="trace"/g) ?? []).length, charts.length);
    const latency = charts[1]!;
    near(latency.series[0]!.values[2], 60, 0.1, 'configured delay on the baseline');
    near(latency.series[1]!.values[2], 63, 0.5, 'measured p50');
    assert.equal(latency.series[0]!.dash, true);
    near(charts[0]!.series[1]!.values[2], 12, 1e-9, 'measured loss in %');

    const plain = reportHtml(untraced);
    assert.doesNotMatch(plain, /<h2>Network trace/);
    assert.doesNotMatch(plain, /data-chart="trace"/);
    assert.equal('traces' in chartData(untraced), false);
  });
});
