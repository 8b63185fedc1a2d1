/**
 * The orchestrator: starts the target and the fleet, waits out the scenario, stops everything in
 * reverse order and always writes a report, also when interrupted or when something failed.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Fleet } from '../../bots/fleet/fleet.js';
import { buildReport } from '../../reports/build-report.js';
import type { Report } from '../../reports/report-types.js';
import { verdictOf, type Verdict } from '../../reports/verdict.js';
import { writeReport } from '../../reports/write-report.js';
import { externalTarget, startBundledTarget, type Target } from '../../target-server/bundled-target.js';
import { lossRatio } from '../metrics/aggregate.js';
import { MetricStore } from '../metrics/store.js';
import { makePlan } from '../plan/plan.js';
import type { Scenario } from '../scenario/index.js';
import { notify, type RunObserver } from './observer.js';
import type { ProgressSnapshot } from './progress.js';
import { TeardownStack } from './teardown.js';

export interface RunOptions {
  outDir: string;
  /** Aborting (Ctrl-C, SIGTERM) ends the run early; the report is then marked incomplete. */
  signal: AbortSignal;
  observers?: RunObserver[];
  /** Fleet processes; default one per core, never more than bots. */
  processes?: number;
}

export interface RunResult { report: Report; files: string[]; verdict: Verdict }

/** Lead time for fleet processes to boot, so bots planned at t=0 really join at t=0. */
const fleetBootMs = 1000;
const joinTimeoutMs = 15_000;

function sleep(msToWait: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, msToWait);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

async function startTarget(scenario: Scenario): Promise<Target> {
  const spec = scenario.target;
  return spec.kind === 'bundled' ? startBundledTarget({ nodes: spec.nodes, workersPerNode: spec.workersPerNode }) : externalTarget(spec.url);
}

function snapshot(store: MetricStore, fleet: Fleet, scenario: Scenario, planned: number): ProgressSnapshot {
  const last = store.seconds().at(-1);
  const latency = last === undefined ? undefined : store.histogram('e2e_latency_ms', undefined, last, last);
  const progress = fleet.progress();
  return {
    elapsedS: Math.max(0, Math.round((Date.now() - store.startMs) / 1000)),
    durationS: Math.round(scenario.durationMs / 1000),
    connected: progress.connected,
    planned,
    failed: progress.failed,
    packetsPerSecond: last === undefined ? 0 : store.counter('packets_received', undefined, last, last),
    latencyP99Ms: latency && latency.count > 0 ? latency.percentile(99) : null,
    lossRatio: last === undefined ? null : (lossRatio(store, undefined, last, last) ?? null),
  };
}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  const plan = makePlan(scenario);
  const observers = options.observers ?? [];
  const teardown = new TeardownStack();
  const startedAtMs = Date.now();
  let store = new MetricStore(startedAtMs);
  let abortReason: string | null = null;
  let targetUrls: string[] = [];
  let fleet: Fleet | undefined;
  try {
    const target = await startTarget(scenario);
    teardown.push('target', () => target.stop());
    targetUrls = target.urls;
    if (options.signal.aborted) throw new Error('interrupted before the fleet started');

    const startMs = Date.now() + fleetBootMs;
    store = new MetricStore(startMs);
    const processes = Math.max(1, Math.min(options.processes ?? availableParallelism(), plan.bots.length));
    const started = new Fleet({ plan, processes, urls: target.urls, runTag: randomBytes(3).toString('hex'), startMs, endMs: startMs + scenario.durationMs, joinTimeoutMs, store });
    fleet = started;
    teardown.push('fleet', () => started.stop());

    const context = { scenario, plan, store };
    await notify(observers, 'onStart', context);
    const ticker = setInterval(() => void notify(observers, 'onProgress', snapshot(store, started, scenario, plan.bots.length), context), 1000);
    teardown.push('progress', () => clearInterval(ticker));
    await sleep(startMs + scenario.durationMs - Date.now(), options.signal);
    if (options.signal.aborted) abortReason = `interrupted (${String(options.signal.reason ?? 'signal')}) after ${((Date.now() - startMs) / 1000).toFixed(1)} s`;
  } catch (error) {
    abortReason = (error as Error).message;
  } finally {
    const failures = await teardown.runAll();
    if (failures.length > 0) abortReason ??= `teardown: ${failures.join('; ')}`;
  }
  const crashes = fleet?.crashes() ?? [];
  if (crashes.length > 0) abortReason ??= `fleet process crashed: ${crashes.join('; ')}`;
  const durationMs = Math.min(Math.max(0, Date.now() - store.startMs), scenario.durationMs);
  const report = buildReport({ scenario, plan, store, startedAtMs, durationMs, complete: abortReason === null, abortReason, targetUrls });
  const files = writeReport(options.outDir, report);
  await notify(observers, 'onEnd', report);
  await notify(observers, 'close');
  return { report, files, verdict: verdictOf(report) };
}
