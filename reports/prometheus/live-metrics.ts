/**
 * The run's metrics as Prometheus metric families, kept up to date from the run's MetricStore.
 *
 * The store is filled once per second by the fleet; a second is read once every fleet process has
 * shipped it (the exporter passes `upToSecond`), and each second's histograms are merged into
 * whole-run histograms exactly once. Counters are re-read as totals, so a late sample still counts.
 * Prometheus histogram buckets are cumulative counts read from the HDR histograms (at HDR
 * resolution); `_sum` uses HDR's bucket midpoints, so it is close to, not exactly, the sum of samples.
 */
import { metricCatalogue, type CounterMetric, type TrendMetric } from '../../core/metrics/catalogue.js';
import { lossRatio } from '../../core/metrics/aggregate.js';
import { Histogram } from '../../core/metrics/histogram.js';
import type { MetricStore } from '../../core/metrics/store.js';
import type { RunContext } from '../../ports/run-observer.js';
import { harnessValidity } from '../harness-validity.js';
import { capacitySteps, type CapacityStep } from '../../core/plan/capacity-plan.js';
import { planProgress } from '../validity/plan-progress.js';
import { secondsOf } from '../validity/spells.js';

export interface Sample {
  labels: Record<string, string>;
  value: number;
  /** For histogram families: which series of the family the sample belongs to. */
  suffix?: '_bucket' | '_sum' | '_count';
}

export interface MetricFamily {
  /** Without unit conversions or `_total`: exposition adds the suffix its format needs. */
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  samples: Sample[];
}

/** `bucketsS` in seconds for ms metrics; in the metric's own unit where `unitless` (a score, a ratio). */
interface HistogramSpec { metric: TrendMetric; name: string; bucketsS: number[]; unitless?: true }

const latencyBucketsS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];
const slowBucketsS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

const histograms: HistogramSpec[] = [
  { metric: 'e2e_latency_ms', name: 'rtcstorm_e2e_latency_seconds', bucketsS: latencyBucketsS },
  { metric: 'jitter_ms', name: 'rtcstorm_jitter_seconds', bucketsS: latencyBucketsS },
  { metric: 'join_time_ms', name: 'rtcstorm_join_time_seconds', bucketsS: slowBucketsS },
  { metric: 'recovery_time_ms', name: 'rtcstorm_recovery_time_seconds', bucketsS: slowBucketsS },
  { metric: 'video_latency_ms', name: 'rtcstorm_video_latency_seconds', bucketsS: latencyBucketsS },
  { metric: 'video_freeze_ms', name: 'rtcstorm_video_freeze_seconds', bucketsS: slowBucketsS },
  { metric: 'playout_delay_ms', name: 'rtcstorm_playout_delay_seconds', bucketsS: latencyBucketsS },
  // G.107 Annex B's user-satisfaction edges, as MOS.
  { metric: 'mos', name: 'rtcstorm_mos', bucketsS: [1, 2, 2.58, 3.1, 3.6, 4.03, 4.34, 4.5], unitless: true },
  { metric: 'audio_concealed_ratio', name: 'rtcstorm_audio_concealed_ratio', bucketsS: [0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1], unitless: true },
];

/** By group, or by harness process for the harness's own. */
const counters: Array<{ metric: CounterMetric; name: string; label?: 'process' }> = [
  { metric: 'packets_sent', name: 'rtcstorm_packets_sent' },
  { metric: 'packets_received', name: 'rtcstorm_packets_received' },
  { metric: 'packets_expected', name: 'rtcstorm_packets_expected' },
  { metric: 'bots_joined', name: 'rtcstorm_bots_joined' },
  { metric: 'bots_failed', name: 'rtcstorm_bots_failed' },
  { metric: 'packets_skipped', name: 'rtcstorm_packets_skipped' },
  { metric: 'video_frames_received', name: 'rtcstorm_video_frames_received' },
  { metric: 'video_freezes', name: 'rtcstorm_video_freezes' },
  { metric: 'video_nacks_sent', name: 'rtcstorm_video_nacks_sent' },
  { metric: 'video_rtx_received', name: 'rtcstorm_video_rtx_received' },
  { metric: 'video_plis_sent', name: 'rtcstorm_video_plis_sent' },
  { metric: 'video_keyframes_sent', name: 'rtcstorm_video_keyframes_sent' },
  { metric: 'harness_seconds_missing', name: 'rtcstorm_harness_seconds_missing', label: 'process' },
];

type ByLabel = Map<string, number>;

function samples(byLabel: ByLabel, label: string): Sample[] {
  return [...byLabel].map(([value, v]) => ({ labels: { [label]: value }, value: v }));
}

export class LiveMetrics {
  /** Seconds up to this one are merged into the whole-run histograms. */
  #mergedUpTo = -1;
  readonly #histograms = new Map<TrendMetric, Map<string, Histogram>>();
  readonly #counters = new Map<CounterMetric, ByLabel>();
  readonly #botsConnected: ByLabel = new Map();
  readonly #lossRatio: ByLabel = new Map();
  readonly #eventLoopLagS: ByLabel = new Map();
  readonly #cpuPercent: ByLabel = new Map();
  readonly #events: ByLabel = new Map();
  readonly #reportDelayS: ByLabel = new Map();
  readonly #joinBacklog: ByLabel = new Map();
  /** 1 while the harness checks hold on the seconds so far, 0 once one failed; null before the first judgement. */
  #valid: number | null = null;
  /** A capacity search: the step of the last complete second. */
  #capacityStep: CapacityStep | null = null;
  /** Built once per update, however many registries read it. */
  #families: MetricFamily[] | null = null;

  constructor(readonly scenario: { name: string; seed: number }) {}

  /** Reads the seconds of `store` up to `upToSecond` (Infinity: all, at the end of the run). */
  update(store: MetricStore, upToSecond: number): void {
    const seconds = store.seconds();
    const last = Math.min(upToSecond, seconds.at(-1) ?? -1);
    this.#families = null;
    this.#countEvents(store);
    if (last <= this.#mergedUpTo) return;
    for (const spec of histograms) {
      const byGroup = this.#histograms.get(spec.metric) ?? new Map<string, Histogram>();
      this.#histograms.set(spec.metric, byGroup);
      for (const group of store.groups(spec.metric)) {
        const whole = byGroup.get(group) ?? Histogram.forMetric(spec.metric);
        byGroup.set(group, whole);
        for (const t of seconds) if (t > this.#mergedUpTo && t <= last) whole.merge(store.histogram(spec.metric, group, t, t));
      }
    }
    this.#mergedUpTo = last;
    for (const { metric } of counters) {
      this.#counters.set(metric, new Map(store.groups(metric).map((g) => [g, store.counter(metric, g, undefined, last)])));
    }
    for (const group of store.groups('bots_connected')) {
      const connected = store.gaugeAt('bots_connected', last, group);
      if (connected !== undefined) this.#botsConnected.set(group, connected);
    }
    for (const group of store.groups('packets_expected')) {
      const loss = lossRatio(store, group, last, last);
      if (loss !== undefined) this.#lossRatio.set(group, loss);
    }
    this.#lastOfSecond(store, 'event_loop_lag_ms', last, this.#eventLoopLagS, 1 / 1000);
    this.#lastOfSecond(store, 'harness_cpu_percent', last, this.#cpuPercent, 1);
    this.#lastOfSecond(store, 'harness_report_delay_ms', last, this.#reportDelayS, 1 / 1000);
  }

  /** The harness checks of the report, on the seconds complete so far (a run only ends valid if it stayed so). */
  judge(context: RunContext, upToSecond: number): void {
    if (upToSecond < 0) return;
    const { scenario, plan, store } = context;
    const durationMs = Math.min(scenario.durationMs, (upToSecond + 1) * 1000);
    if (scenario.capacity) this.#capacityStep = capacitySteps(scenario).filter((step) => step.startMs < durationMs).at(-1) ?? null;
    // A spell that ends now began at most sustainedFor ago: the seconds before were judged already.
    const fromSecond = Math.max(0, upToSecond + 1 - 2 * secondsOf(scenario.harness.sustainedForMs));
    const progress = planProgress(plan, store, durationMs, scenario.harness.joinGraceMs, fromSecond);
    for (const [group, p] of Object.entries(progress)) this.#joinBacklog.set(group, p.seconds.at(-1)?.joinBacklog ?? 0);
    const { valid } = harnessValidity({ store, limits: scenario.harness, machine: context.machine(), plan, fleet: scenario.fleet, skipped: [], durationMs, complete: false, fromSecond }, progress);
    this.judged(valid);
  }

  /** Once invalid, invalid: a run is judged on all its seconds. */
  judged(valid: boolean): void {
    this.#families = null;
    this.#valid = this.#valid === 0 ? 0 : valid ? 1 : 0;
  }

  families(): MetricFamily[] {
    return (this.#families ??= this.#buildFamilies());
  }

  #buildFamilies(): MetricFamily[] {
    return [
      { name: 'rtcstorm_run_info', help: 'the running scenario (value 1)', type: 'gauge', samples: [{ labels: { scenario: this.scenario.name, seed: String(this.scenario.seed) }, value: 1 }] },
      { name: 'rtcstorm_bots_connected', help: metricCatalogue.bots_connected.description, type: 'gauge', samples: samples(this.#botsConnected, 'group') },
      ...counters.map(({ metric, name, label }): MetricFamily => ({ name, help: metricCatalogue[metric].description, type: 'counter', samples: samples(this.#counters.get(metric) ?? new Map<string, number>(), label ?? 'group') })),
      { name: 'rtcstorm_packet_loss_ratio', help: 'packets not received / packets expected, in the last complete second', type: 'gauge', samples: samples(this.#lossRatio, 'group') },
      ...histograms.map((spec) => this.#histogramFamily(spec)),
      { name: 'rtcstorm_events', help: 'run events by kind (chaos steps, bot failures, …)', type: 'counter', samples: samples(this.#events, 'kind') },
      { name: 'rtcstorm_harness_event_loop_lag_seconds', help: 'event-loop delay p99 of each fleet process in the last complete second', type: 'gauge', samples: samples(this.#eventLoopLagS, 'process') },
      { name: 'rtcstorm_harness_cpu_percent', help: metricCatalogue.harness_cpu_percent.description, type: 'gauge', samples: samples(this.#cpuPercent, 'process') },
      { name: 'rtcstorm_harness_report_delay_seconds', help: 'how late the run received each harness process\'s samples of the last complete second', type: 'gauge', samples: samples(this.#reportDelayS, 'process') },
      { name: 'rtcstorm_join_backlog', help: 'bots due to have joined by the last complete second (planned time + harness.joinGrace) that had not', type: 'gauge', samples: samples(this.#joinBacklog, 'group') },
      ...this.#capacityFamilies(),
      {
        name: 'rtcstorm_harness_valid',
        help: "1 while the run's harness checks (loader, machine, load against the plan) hold, 0 once one failed: the run is invalid, its numbers not the target's",
        type: 'gauge',
        samples: this.#valid === null ? [] : [{ labels: {}, value: this.#valid }],
      },
    ];
  }

  #capacityFamilies(): MetricFamily[] {
    // Always there (registries take their families once), without samples outside a search.
    const step = this.#capacityStep;
    const gauge = (name: string, help: string, value: number | undefined): MetricFamily => ({ name, help, type: 'gauge', samples: value === undefined ? [] : [{ labels: {}, value }] });
    return [
      gauge('rtcstorm_capacity_step', 'capacity search: the step running (0-based)', step?.index),
      gauge('rtcstorm_capacity_step_bots', 'capacity search: bots of the step running', step?.bots),
      gauge('rtcstorm_capacity_step_rooms', 'capacity search: rooms of the step running', step?.rooms),
    ];
  }

  #histogramFamily(spec: HistogramSpec): MetricFamily {
    const out: Sample[] = [];
    const perLe = spec.unitless ? 1 : 1000;
    for (const [group, h] of this.#histograms.get(spec.metric) ?? []) {
      for (const le of spec.bucketsS) out.push({ labels: { group, le: String(le) }, value: h.countAtOrBelow(le * perLe), suffix: '_bucket' });
      out.push({ labels: { group, le: '+Inf' }, value: h.count, suffix: '_bucket' });
      out.push({ labels: { group }, value: h.count === 0 ? 0 : (h.mean * h.count) / perLe, suffix: '_sum' });
      out.push({ labels: { group }, value: h.count, suffix: '_count' });
    }
    return { name: spec.name, help: metricCatalogue[spec.metric].description, type: 'histogram', samples: out };
  }

  /** Harness metrics hold one sample per process and second: the value of that second, scaled. */
  #lastOfSecond(store: MetricStore, metric: TrendMetric, second: number, into: ByLabel, scale: number): void {
    for (const process of store.groups(metric)) {
      const h = store.histogram(metric, process, second, second);
      if (h.count > 0) into.set(process, h.max * scale);
    }
  }

  #countEvents(store: MetricStore): void {
    this.#events.clear();
    for (const e of store.events()) this.#events.set(e.kind, (this.#events.get(e.kind) ?? 0) + 1);
  }
}
