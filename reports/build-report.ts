/** Turns what a run measured (a MetricStore) into report.json, thresholds evaluated. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregate, lossRatio } from '../core/metrics/aggregate.js';
import type { MetricStore } from '../core/metrics/store.js';
import { packageRoot } from '../core/paths.js';
import type { RunPlan } from '../core/plan/plan.js';
import { evaluateThreshold, type Scenario } from '../core/scenario/index.js';
import { reportSchemaVersion, type BotCounts, type GroupReport, type HarnessProcess, type MetricsSection, type Report, type ThresholdResult, type TimelinePoint } from './report-types.js';

export interface RunFacts {
  scenario: Scenario;
  plan: RunPlan;
  store: MetricStore;
  startedAtMs: number;
  durationMs: number;
  complete: boolean;
  abortReason: string | null;
  targetUrls: string[];
}

function toolVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

function metricsOf(store: MetricStore, group?: string): MetricsSection {
  return {
    join_time_ms: store.histogram('join_time_ms', group).summary(),
    e2e_latency_ms: store.histogram('e2e_latency_ms', group).summary(),
    jitter_ms: store.histogram('jitter_ms', group).summary(),
    packet_loss_ratio: lossRatio(store, group) ?? null,
  };
}

function botsOf(facts: RunFacts, group?: string): BotCounts {
  return {
    planned: facts.plan.bots.filter((b) => group === undefined || b.group === group).length,
    joined: facts.store.counter('bots_joined', group),
    failed: facts.store.counter('bots_failed', group),
  };
}

function packetsOf(store: MetricStore, group?: string): Report['packets'] {
  return { sent: store.counter('packets_sent', group), received: store.counter('packets_received', group), expected: store.counter('packets_expected', group) };
}

function timeline(store: MetricStore): TimelinePoint[] {
  return store.seconds().map((t) => {
    const latency = store.histogram('e2e_latency_ms', undefined, t, t);
    return {
      t,
      botsConnected: store.gaugeAt('bots_connected', t) ?? 0,
      packetsSent: store.counter('packets_sent', undefined, t, t),
      packetsReceived: store.counter('packets_received', undefined, t, t),
      latencyP50Ms: latency.count > 0 ? latency.percentile(50) : null,
      latencyP99Ms: latency.count > 0 ? latency.percentile(99) : null,
      lossRatio: lossRatio(store, undefined, t, t) ?? null,
    };
  });
}

function harness(store: MetricStore): HarnessProcess[] {
  return store.groups('harness_cpu_percent').map((id) => {
    const cpu = store.histogram('harness_cpu_percent', id);
    const lag = store.histogram('event_loop_lag_ms', id);
    return {
      id,
      cpuPercentAvg: cpu.count > 0 ? cpu.mean : null,
      cpuPercentMax: cpu.count > 0 ? cpu.max : null,
      eventLoopLagP99Ms: lag.count > 0 ? lag.percentile(99) : null,
    };
  });
}

export function evaluateThresholds(scenario: Scenario, store: MetricStore, durationMs: number): ThresholdResult[] {
  return scenario.thresholds.map((threshold) => {
    const { ok, value } = evaluateThreshold(threshold.condition, (a) => aggregate(store, threshold.metric, { durationMs }, a));
    return { metric: threshold.metric, expression: threshold.expression, value: value ?? null, ok };
  });
}

export function buildReport(facts: RunFacts): Report {
  const { scenario, store } = facts;
  const groups: Record<string, GroupReport> = {};
  for (const group of scenario.fleet) {
    groups[group.name] = { bots: botsOf(facts, group.name), packets: packetsOf(store, group.name), metrics: metricsOf(store, group.name) };
  }
  return {
    schemaVersion: reportSchemaVersion,
    tool: { name: 'rtcstorm', version: toolVersion() },
    scenario: { name: scenario.name, file: scenario.file, seed: scenario.seed },
    startedAt: new Date(facts.startedAtMs).toISOString(),
    durationMs: facts.durationMs,
    complete: facts.complete,
    abortReason: facts.abortReason,
    target: { kind: scenario.target.kind, urls: facts.targetUrls },
    bots: botsOf(facts),
    packets: packetsOf(store),
    metrics: metricsOf(store),
    thresholds: evaluateThresholds(scenario, store, facts.durationMs),
    groups,
    timeline: timeline(store),
    events: store.events(),
    harness: { processes: harness(store) },
    server: { nodes: [] },
    raw: store.toJSON(),
  };
}
