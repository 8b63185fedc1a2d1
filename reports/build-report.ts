/** Turns what a run measured (a MetricStore) into report.json, thresholds evaluated. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregate, lossRatio } from '../core/metrics/aggregate.js';
import type { Histogram } from '../core/metrics/histogram.js';
import { metricCatalogue, type MetricInfo } from '../core/metrics/catalogue.js';
import type { MetricStore } from '../core/metrics/store.js';
import { packageRoot } from '../core/paths.js';
import { groupNetworks } from './group-network.js';
import type { NetworkPlan } from '../core/plan/network-plan.js';
import { roomName, type RunPlan } from '../core/plan/plan.js';
import { engineReportFields } from '../core/scenario/engine-kinds.js';
import { evaluateThreshold, type Scenario } from '../core/scenario/index.js';
import { harnessValidity, machineLoad, type SharedMachine } from './harness-validity.js';
import { capacitySection, judgedSteps } from './capacity/capacity-section.js';
import { judgeStep } from './capacity/judge-step.js';
import { capacitySteps } from '../core/plan/capacity-plan.js';
import { harnessProcesses } from './validity/loader.js';
import { planProgress } from './validity/plan-progress.js';
import { reportSchemaVersion, type BotCounts, type CapacitySection, type CapacityStepReport, type GroupReport, type HarnessProcess, type MetricsSection, type RecoveryResult, type Report, type RoomReport, type ServerNodeSeries, type ThresholdResult, type TimelinePoint } from './report-types.js';

type GroupTimelinePoint = NonNullable<GroupReport['timeline']>[number];

export interface RunFacts {
  scenario: Scenario;
  plan: RunPlan;
  store: MetricStore;
  startedAtMs: number;
  durationMs: number;
  complete: boolean;
  abortReason: string | null;
  targetUrls: string[];
  /** What runs the target, as it says; undefined when unknown. */
  targetSoftware?: string;
  skipped: Report['skipped'];
  server: ServerNodeSeries[];
  /**
   * Cores of the machine the run ran on (its fleet, and a bundled target: `server`), for the machine
   * check of harness validity. Null for a merge, whose shards may each have had a machine of their own.
   */
  machineCores: number | null;
  /** Absent for a whole run. */
  shard?: Report['shard'];
  /** The bots the load is judged on when not all of `plan` was meant to run (a partial merge: the shards present). */
  judgedPlan?: RunPlan;
  /** Every shard's bots, when `plan` is one shard's slice; `plan` when absent. */
  wholePlan?: RunPlan;
  /** A capacity search's refinement: its probe runs' steps, judged in their own runs. */
  capacityProbes?: CapacityStepReport[];
  /** The run's network assignment (made once with the plan); absent or null when the network was left alone. */
  network?: NetworkPlan | null;
}

export function scenarioHash(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

/** This rtcstorm's version, as reports record it. */
export function toolVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

function metricsOf(store: MetricStore, group?: string): MetricsSection {
  return {
    join_time_ms: store.histogram('join_time_ms', group).summary(),
    e2e_latency_ms: store.histogram('e2e_latency_ms', group).summary(),
    jitter_ms: store.histogram('jitter_ms', group).summary(),
    packet_loss_ratio: lossRatio(store, group) ?? null,
    recovery_time_ms: store.histogram('recovery_time_ms', group).summary(),
    media_gap_ms: store.histogram('media_gap_ms', group).summary(),
    bot_failures: store.counter('bot_failures', group),
    ...engineReportFields(store, group),
  };
}

function botsOf(facts: RunFacts, group?: string): BotCounts {
  // A search that ended at its answer never meant to seat the later steps' bots.
  const meant = (joinAtMs: number): boolean => !facts.scenario.capacity || joinAtMs < facts.durationMs;
  return {
    planned: facts.plan.bots.filter((b) => (group === undefined || b.group === group) && meant(b.joinAtMs)).length,
    joined: facts.store.counter('bots_joined', group),
    failed: facts.store.counter('bots_failed', group),
  };
}

function packetsOf(store: MetricStore, group?: string): Report['packets'] {
  return { sent: store.counter('packets_sent', group), received: store.counter('packets_received', group), expected: store.counter('packets_expected', group) };
}

function percentileOrNull(h: Histogram, p: number): number | null {
  return h.count > 0 ? h.percentile(p) : null;
}

/**
 * One point per second of the run, of every group (`group` omitted) or one; samples that arrived
 * while draining after the end are in the totals only.
 */
function timeline(store: MetricStore, durationMs: number, group?: string): TimelinePoint[] {
  // Every second of the run, also those in which nothing was measured (nobody joined yet, all down).
  return [...Array(Math.ceil(durationMs / 1000)).keys()].map((t) => {
    const latency = store.histogram('e2e_latency_ms', group, t, t);
    const jitter = store.histogram('jitter_ms', group, t, t);
    return {
      t,
      botsConnected: store.gaugeAt('bots_connected', t, group) ?? 0,
      packetsSent: store.counter('packets_sent', group, t, t),
      packetsReceived: store.counter('packets_received', group, t, t),
      latencyP50Ms: percentileOrNull(latency, 50),
      latencyP95Ms: percentileOrNull(latency, 95),
      latencyP99Ms: percentileOrNull(latency, 99),
      jitterP95Ms: percentileOrNull(jitter, 95),
      lossRatio: lossRatio(store, group, t, t) ?? null,
    };
  });
}

/** A group's timeline: the run's points without packets sent and latency p95, to keep report.json small. */
function groupTimeline(store: MetricStore, durationMs: number, group: string): GroupTimelinePoint[] {
  return timeline(store, durationMs, group).map(({ packetsSent: _sent, latencyP95Ms: _p95, ...point }) => point);
}

function harness(store: MetricStore): HarnessProcess[] {
  return harnessProcesses(store).map((id) => {
    const cpu = store.histogram('harness_cpu_percent', id);
    const lag = store.histogram('event_loop_lag_ms', id);
    return {
      id,
      cpuPercentAvg: cpu.count > 0 ? cpu.mean : null,
      cpuPercentMax: cpu.count > 0 ? cpu.max : null,
      eventLoopLagP99Ms: percentileOrNull(lag, 99),
      reportDelayP99Ms: percentileOrNull(store.histogram('harness_report_delay_ms', id), 99),
      secondsMissing: store.counter('harness_seconds_missing', id),
    };
  });
}

function rooms(facts: RunFacts): RoomReport[] {
  const { store, plan } = facts;
  const members = new Map<number, number>();
  for (const bot of plan.bots) members.set(bot.room, (members.get(bot.room) ?? 0) + 1);
  return [...members]
    .map(([index, bots]): RoomReport => {
      const room = roomName(index);
      const expected = store.counter('room_packets_expected', room);
      const mos = store.histogram('room_mos', room);
      const concealed = store.histogram('room_audio_concealed_ratio', room);
      return {
        room,
        bots,
        packetsExpected: expected,
        lossRatio: expected > 0 ? Math.max(0, 1 - store.counter('room_packets_received', room) / expected) : null,
        mosP5: mos.count > 0 ? mos.percentile(5) : null,
        mosAvg: mos.count > 0 ? mos.mean : null,
        audioConcealedRatio: concealed.count > 0 ? Math.min(1, concealed.mean) : null,
        mediaGaps: store.counter('room_media_gaps', room),
        botFailures: store.counter('room_bot_failures', room),
      };
    })
    .sort((a, b) => b.botFailures - a.botFailures || (a.mosP5 ?? 5) - (b.mosP5 ?? 5) || b.mediaGaps - a.mediaGaps || (b.lossRatio ?? 0) - (a.lossRatio ?? 0) || a.room.localeCompare(b.room, 'en', { numeric: true }));
}

/**
 * Each chaos step owns the failures and recoveries from its second up to the next step's: with
 * steps far enough apart (longer than recovery takes) that is exactly what the step caused.
 */
function recoveries(store: MetricStore): RecoveryResult[] {
  const steps = store.events().filter((e) => e.kind === 'chaos' && e.ok);
  const lastSecond = store.seconds().at(-1) ?? 0;
  return steps.map((step, i) => {
    const from = Math.floor(step.atMs / 1000);
    const next = steps[i + 1];
    const to = next ? Math.floor(next.atMs / 1000) - 1 : lastSecond;
    return {
      atMs: step.atMs,
      action: step.action ?? '',
      target: step.target ?? '',
      botFailures: store.counter('bot_failures', undefined, from, to),
      recoveryTimeMs: store.histogram('recovery_time_ms', undefined, from, to).summary(),
      mediaGapMs: store.histogram('media_gap_ms', undefined, from, to).summary(),
    };
  });
}

/**
 * A threshold on a metric only a skipped engine produces (k6 not installed) is not evaluated: the
 * skipped group is reported as such, and the exit code is the one the rest of the run earns.
 */
export function evaluateThresholds(scenario: Scenario, store: MetricStore, durationMs: number, skipped: Report['skipped'] = []): ThresholdResult[] {
  return scenario.thresholds.map((threshold) => {
    const engines = (metricCatalogue[threshold.metric] as MetricInfo).engines;
    const groups = scenario.fleet.filter((g) => engines?.includes(g.engine));
    const skippedHere = skipped.filter((s) => engines?.includes(s.engine));
    if (engines && groups.length > 0 && skippedHere.length === groups.length) {
      return { metric: threshold.metric, expression: threshold.expression, value: null, ok: true, notEvaluated: `${skippedHere[0]!.engine} groups skipped: ${skippedHere[0]!.reason}` };
    }
    const { ok, value } = evaluateThreshold(threshold.condition, (a) => aggregate(store, threshold.metric, { durationMs }, a));
    return { metric: threshold.metric, expression: threshold.expression, value: value ?? null, ok, notEvaluated: null };
  });
}

function sharedMachine(facts: RunFacts): SharedMachine | null {
  return facts.machineCores === null ? null : { cores: facts.machineCores, target: facts.server };
}

function capacityOf(facts: RunFacts): CapacitySection | null {
  const spec = facts.scenario.capacity;
  if (!spec) return null;
  const stepFacts = { scenario: facts.scenario, plan: facts.judgedPlan ?? facts.plan, store: facts.store, machine: sharedMachine(facts), runMs: facts.durationMs };
  const steps = judgedSteps((step) => judgeStep(stepFacts, step), capacitySteps(facts.scenario), facts.durationMs);
  return capacitySection(spec, [...steps, ...(facts.capacityProbes ?? [])]);
}

function harnessSection(store: MetricStore, scenario: Scenario, facts: RunFacts): Report['harness'] {
  const machine = sharedMachine(facts);
  const load = machine ? machineLoad(store, machine) : null;
  const judged = facts.judgedPlan ?? facts.plan;
  const plan = planProgress(judged, store, facts.durationMs, scenario.harness.joinGraceMs);
  const validity = harnessValidity({ store, limits: scenario.harness, machine, plan: judged, fleet: scenario.fleet, skipped: facts.skipped, durationMs: facts.durationMs, complete: facts.complete }, plan);
  return { processes: harness(store), ...validity, ...(load ? { machine: load } : {}), plan };
}

export function buildReport(facts: RunFacts): Report {
  const { scenario, store } = facts;
  const groups: Record<string, GroupReport> = {};
  const networks = groupNetworks(store, facts.wholePlan ?? facts.plan, facts.network ?? null, { chaos: scenario.chaos, durationMs: facts.durationMs });
  for (const group of scenario.fleet) {
    const network = networks.get(group.name);
    groups[group.name] = { bots: botsOf(facts, group.name), packets: packetsOf(store, group.name), metrics: metricsOf(store, group.name), ...(network ? { network } : {}), timeline: groupTimeline(store, facts.durationMs, group.name) };
  }
  return {
    schemaVersion: reportSchemaVersion,
    tool: { name: 'rtcstorm', version: toolVersion() },
    scenario: { name: scenario.name, file: scenario.file, seed: scenario.seed, hash: scenarioHash(scenario.source), source: scenario.source, files: scenario.files },
    shard: facts.shard ?? null,
    startedAt: new Date(facts.startedAtMs).toISOString(),
    durationMs: facts.durationMs,
    complete: facts.complete,
    abortReason: facts.abortReason,
    target: { kind: scenario.target.kind, urls: facts.targetUrls, ...(facts.targetSoftware ? { software: facts.targetSoftware } : {}) },
    bots: botsOf(facts),
    packets: packetsOf(store),
    metrics: metricsOf(store),
    thresholds: evaluateThresholds(scenario, store, facts.durationMs, facts.skipped),
    groups,
    rooms: rooms(facts),
    skipped: facts.skipped,
    timeline: timeline(store, facts.durationMs),
    events: store.events(),
    harness: harnessSection(store, scenario, facts),
    server: { nodes: facts.server },
    recoveries: recoveries(store),
    capacity: capacityOf(facts),
    raw: store.toJSON(),
  };
}
