/**
 * The orchestrator: starts the target and the fleet, waits out the scenario, stops everything in
 * reverse order and always writes a report, also when interrupted or when something failed.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { realClock, type Clock, type Timer } from '../clock.js';
import { HarnessProbe } from '../harness-probe.js';
import { SampleDeadline } from '../../bots/sample-deadline.js';
import { ChaosTimeline } from '../../chaos/timeline.js';
import { RunJournal, type JournalCost } from '../../reports/journal/run-journal.js';
import { builtInAdapters, userAdapterPath, type AdapterSpec } from '../../targets/adapter-module.js';
import { startLaunchedJanus } from '../../targets/janus/launched-janus.js';
import { startLaunchedWhip } from '../../targets/whip/launched-whip.js';
import { startLaunchedCommand } from '../../targets/command/launched-command.js';
import { dirname, resolve } from 'node:path';
import { buildReport } from '../../reports/build-report.js';
import { latestMachinePercent, type SharedMachine } from '../../reports/harness-validity.js';
import type { Report } from '../../reports/report-types.js';
import { verdictOf, type Verdict } from '../../reports/verdict.js';
import { writeReport } from '../../reports/write-report.js';
import { externalTarget, startBundledTarget } from '../../target-server/bundled-target.js';
import type { Target } from '../../ports/target-control.js';
import { lossRatio } from '../metrics/aggregate.js';
import { MetricStore } from '../metrics/store.js';
import { planRun, type PlannedRun } from '../plan/planned-run.js';
import { peerIdOf, publishersByRoom, type RunPlan, type ShardSpec } from '../plan/plan.js';
import { planClients } from '../plan/client-plan.js';
import type { Scenario } from '../scenario/index.js';
import type { Engine, EngineContext, SkippedGroup } from '../../ports/engine.js';
import { createEngines, type EngineOptions, type ScenarioEngines } from './engines.js';
import { notify } from './observer.js';
import type { ProgressSnapshot, RunObserver } from '../../ports/run-observer.js';
import { MachineCpu } from './machine-cpu.js';
import { watchCapacity } from './capacity-watch.js';
import { capacitySteps, type CapacityStep } from '../plan/capacity-plan.js';
import { RunLedger } from './process-ledger.js';
import type { ProcessLedger } from '../../ports/process-ledger.js';
import { ServerSampler } from './server-sampler.js';
import { TeardownStack } from './teardown.js';

export interface RunOptions extends EngineOptions {
  /** Run one slice of a distributed run; chaos steps are executed by shard 0 only. */
  shard?: ShardSpec;
  /** The plan, when the caller made it already (for its pre-check); else made here from `shard`. */
  planned?: PlannedRun;
  /** Shared start time of all shards (epoch ms); default: as soon as the target is up. */
  startAtMs?: number;
  outDir: string;
  /** Aborting (Ctrl-C, SIGTERM) ends the run early; the report is then marked incomplete. */
  signal: AbortSignal;
  observers?: RunObserver[];
}

export interface RunResult {
  report: Report;
  files: string[];
  verdict: Verdict;
  /** What the crash-safe journal cost the run process (the bench reports it); undefined when none was kept. */
  journalCost?: JournalCost;
}

type Rooms = () => Array<{ roomId: string; publishers: string[] }>;

/** What the run starts: the composition's choices, replaced by fakes in the orchestration's unit tests. */
export interface RunParts {
  startTarget(scenario: Scenario, processes: ProcessLedger, runTag: string, rooms: Rooms): Promise<{ target: Target; whip?: { publish: string; subscribe: string } }>;
  createEngines(scenario: Scenario, plan: RunPlan, options: EngineOptions): ScenarioEngines;
  /** Lead time for engine processes to boot, so bots planned at t=0 really join at t=0. */
  engineBootMs: number;
  /** The run's time; the unit tests' manual clock runs a scenario without waiting it out. Default: real. */
  clock?: Clock;
}


/** The target, and for WHIP/WHEP the endpoint templates the adapter uses. */
async function startTarget(scenario: Scenario, processes: ProcessLedger, runTag: string, rooms: Rooms): Promise<{ target: Target; whip?: { publish: string; subscribe: string } }> {
  const spec = scenario.target;
  if (spec.kind === 'bundled') return { target: await startBundledTarget({ nodes: spec.nodes, workersPerNode: spec.workersPerNode, processes }) };
  if (spec.kind === 'janus' && spec.url === null) return { target: await startLaunchedJanus({ instances: spec.instances, runTag, processes }) };
  if (spec.kind === 'whip' && spec.launch) {
    const target = await startLaunchedWhip({ runTag, processes, token: spec.token ?? undefined, rooms: rooms() });
    return { target, whip: { publish: target.publish, subscribe: target.subscribe } };
  }
  if (spec.kind === 'whip') return { target: externalTarget(spec.publish!), whip: { publish: spec.publish!, subscribe: spec.subscribe! } };
  if (spec.kind === 'launch') return { target: await startLaunchedCommand({ ...spec, cwd: scenario.file ? dirname(resolve(scenario.file)) : process.cwd(), processes }) };
  return { target: externalTarget(spec.url!) };
}

/** The adapter participants join the target through: rtcstorm's own protocol for the bundled cluster and a target URL, Janus's for Janus, WHIP/WHEP's. */
function adapterSpec(scenario: Scenario, target: Target, runTag: string, whip: { publish: string; subscribe: string } | undefined, rooms: Rooms): AdapterSpec {
  const spec = scenario.target;
  if (spec.adapter) return { module: userAdapterPath(spec.adapter.module, scenario.file), name: spec.adapter.module, init: { url: target.signallingUrl, options: spec.adapter.options, runTag } };
  if (spec.kind === 'janus') return { module: builtInAdapters.janus, name: 'janus', init: { url: target.signallingUrl, options: { publishersPerRoom: spec.publishersPerRoom }, runTag } };
  if (spec.kind === 'whip' && whip) {
    const publishers = Object.fromEntries(rooms().map((room) => [room.roomId, room.publishers]));
    return { module: builtInAdapters.whip, name: 'whip', init: { url: whip.publish, options: { subscribe: whip.subscribe, publishers, ...(spec.token ? { token: spec.token } : {}) }, runTag } };
  }
  return { module: builtInAdapters.rtcstorm, name: 'rtcstorm', init: { url: target.signallingUrl, options: {}, runTag } };
}

/** A target off loopback must be allowed explicitly; every other one is on loopback. */
function isLoopbackTarget(scenario: Scenario): boolean {
  const spec = scenario.target;
  return !(spec.kind !== 'bundled' && spec.allowNonLoopback);
}

/**
 * At each second boundary: the run process's own lag and CPU, as fleet processes sample theirs, and
 * the whole machine's CPU, everyone's. Its seconds are due as a fleet process's are: one whose
 * timer a stalled event loop skipped is counted missing (and so has no machine sample), not healthy.
 * The clock says when a second is due; the lag and CPU it samples are the real process's.
 */
function sampleHarnessHealth(store: MetricStore, endMs: number, clock: Clock): () => void {
  const probe = new HarnessProbe(store, 'run');
  const machine = new MachineCpu();
  const deadline = new SampleDeadline(store, 'run', Math.ceil((endMs - store.startMs) / 1000) - 1);
  let timer: Timer | undefined;
  const sample = (): void => {
    const second = deadline.dueNow(clock.now());
    if (second === undefined) return;
    const atMs = store.startMs + second * 1000 + 500;
    probe.sample(atMs);
    const busy = machine.sample();
    if (busy !== null) store.record('machine_cpu_percent', busy, 'machine', atMs);
  };
  const next = (): void => {
    const boundaryMs = store.startMs + (Math.floor((clock.now() - store.startMs) / 1000) + 1) * 1000;
    if (boundaryMs > endMs) return;
    timer = clock.setTimeout(() => {
      sample();
      next();
    }, boundaryMs - clock.now());
  };
  next();
  return () => {
    clock.clearTimeout(timer);
    // A second that ended since the last timer is sampled; the open one is not judged.
    sample();
    probe.close();
  };
}

/** Why a run ended early, and when on its clock. */
function interrupted(signal: AbortSignal, afterMs: number): string {
  return `interrupted (${String(signal.reason ?? 'signal')}) after ${(Math.max(0, afterMs) / 1000).toFixed(1)} s`;
}

/** The step of a capacity search running at `elapsedMs`. */
function stepAt(steps: readonly CapacityStep[], elapsedMs: number): ProgressSnapshot['capacityStep'] {
  const step = [...steps].reverse().find((s) => s.startMs <= elapsedMs) ?? steps[0];
  return step ? { index: step.index, steps: steps.length, rooms: step.rooms, bots: step.bots } : undefined;
}

function snapshot(store: MetricStore, engines: Engine[], scenario: Scenario, planned: number, machine: SharedMachine | null, nowMs: number, steps: readonly CapacityStep[]): ProgressSnapshot {
  // The latest second that has ended: the open one holds only what was sampled early (a page's stats), not its packets.
  const current = Math.floor((nowMs - store.startMs) / 1000);
  const last = store.seconds().filter((t) => t < current).at(-1);
  const latency = last === undefined ? undefined : store.histogram('e2e_latency_ms', undefined, last, last);
  const progress = engines.map((e) => e.progress());
  return {
    elapsedS: Math.max(0, Math.round((nowMs - store.startMs) / 1000)),
    durationS: Math.round(scenario.durationMs / 1000),
    connected: progress.reduce((n, p) => n + p.connected, 0),
    planned,
    failed: progress.reduce((n, p) => n + p.failed, 0),
    packetsPerSecond: last === undefined ? 0 : store.counter('packets_received', undefined, last, last),
    latencyP99Ms: latency && latency.count > 0 ? latency.percentile(99) : null,
    lossRatio: last === undefined ? null : (lossRatio(store, undefined, last, last) ?? null),
    machinePercent: machine ? latestMachinePercent(store, machine) : null,
    ...(steps.length > 0 ? { capacityStep: stepAt(steps, nowMs - store.startMs) } : {}),
  };
}

/** The product's parts: the scenario's target, and its groups' engines. */
export const productParts: RunParts = { startTarget, createEngines, engineBootMs: 1000, clock: realClock };

export async function runScenario(scenario: Scenario, options: RunOptions, parts: RunParts = productParts): Promise<RunResult> {
  // One plan for the run; a shard runs its slice, and WHIP/WHEP participants need every shard's publishers.
  const planned = options.planned ?? planRun(scenario, options.shard);
  const { whole: wholePlan, mine: plan } = planned;
  const shard = planned.shard ?? undefined;
  const observers = options.observers ?? [];
  const teardown = new TeardownStack();
  const clock = parts.clock ?? realClock;
  const startedAtMs = clock.now();
  const runTag = randomBytes(3).toString('hex');
  const machineCores = availableParallelism();
  let store = new MetricStore(startedAtMs);
  let abortReason: string | null = null;
  let targetUrls: string[] = [];
  let targetSoftware: string | undefined;
  let engines: Engine[] = [];
  let skipped: SkippedGroup[] = [];
  let server: ServerSampler | undefined;
  let journal: RunJournal | undefined;
  const ledger = new RunLedger(runTag);
  try {
    ({ engines, skipped } = parts.createEngines(scenario, plan, options));
    journal = RunJournal.create(options.outDir, { scenario: { file: scenario.file, seed: scenario.seed, source: scenario.source, files: scenario.files }, shard: shard ?? null, startedAtMs, machineCores, skipped });
    // Made once, when a WHIP/WHEP target asks (the launched servers' endpoints, then the adapter's roster).
    let roster: ReturnType<Rooms> | undefined;
    const rooms: Rooms = () => (roster ??= publishersByRoom(wholePlan, runTag));
    const { target, whip } = await parts.startTarget(scenario, ledger, runTag, rooms);
    teardown.push('target', () => target.stop());
    targetUrls = target.urls;
    targetSoftware = target.software;
    if (options.signal.aborted) throw new Error('interrupted before the fleet started');
    // What engines get ready before the clock starts (Chromium) is ended by their stop(), started or not.
    const started = new Set<Engine>();
    for (const engine of engines) {
      if (!engine.prepare) continue;
      teardown.push(`engine ${engine.name} (prepared)`, () => (started.has(engine) ? Promise.resolve() : engine.stop()));
      await engine.prepare({ scenario, plan, processes: ledger });
      if (options.signal.aborted) throw new Error('interrupted before the fleet started');
    }

    const startMs = options.startAtMs ?? clock.now() + parts.engineBootMs;
    if (startMs < clock.now()) throw new Error(`--start-at ${new Date(startMs).toISOString()} is already past when this shard is ready: the shards cannot start together; give them more lead time`);
    store = new MetricStore(startMs);
    store.trackChanges();
    journal.started(startMs, target.urls, target.software);
    const adapter = adapterSpec(scenario, target, runTag, whip, rooms);
    const context: EngineContext = { scenario, plan, network: planned.network, store, signallingUrl: target.signallingUrl, adapter, loopbackOnly: isLoopbackTarget(scenario), startMs, endMs: startMs + scenario.durationMs, runTag, processes: ledger };
    teardown.push('harness probe', sampleHarnessHealth(store, context.endMs, clock));
    target.onIncident((incident) => store.event({ atMs: clock.now() - startMs, ...incident, ok: false }));
    const sampler = new ServerSampler(target, startMs, clock);
    server = sampler;
    sampler.start();
    teardown.push('server sampler', () => sampler.stop());
    for (const engine of engines) {
      // Ctrl-C while engines start: the rest are not started.
      if (options.signal.aborted) throw new Error(interrupted(options.signal, clock.now() - startMs));
      started.add(engine);
      teardown.push(`engine ${engine.name}`, () => engine.stop());
      await engine.start(context);
    }
    // Stopped before the engines (teardown runs in reverse): a paused node is resumed first.
    const network = engines.map((engine) => engine.network).find((n) => n !== undefined);
    const controls = engines.flatMap((engine) => (engine.clients ? [engine.clients] : []));
    const engineOf = new Map(wholePlan.bots.map((bot) => [bot.id, bot]));
    const clients = { plan: planClients(scenario, wholePlan), controls, name: (id: number) => peerIdOf(engineOf.get(id) ?? { engine: 'werift', id }) };
    const chaos = new ChaosTimeline(scenario.chaos, target, store, scenario.seed, network, shard && shard.index > 0 ? 'observe' : 'execute', clock, clients);
    chaos.start();
    teardown.push('chaos', () => chaos.stop());

    const runContext = { scenario, plan, store, machine: () => ({ cores: machineCores, target: sampler.result() }) };
    await notify(observers, 'onStart', runContext);
    const running = journal;
    const steps = scenario.capacity ? capacitySteps(scenario) : [];
    const ticker = clock.setInterval(() => {
      // Seconds that have ended go to the journal; the current one when it has.
      running.flush(store, sampler.result(), Math.floor((clock.now() - startMs) / 1000));
      void notify(observers, 'onProgress', snapshot(store, engines, scenario, plan.bots.length, runContext.machine(), clock.now(), steps), runContext);
    }, 1000);
    teardown.push('progress', () => clock.clearInterval(ticker));
    // A capacity search ends, complete, at its first step that does not hold; shards run every step and the merge decides.
    const searchOver = new AbortController();
    if (scenario.capacity && !shard) {
      teardown.push('capacity watch', watchCapacity({ scenario, plan, store, machine: runContext.machine, clock, onBreak: () => searchOver.abort() }));
    }
    await clock.sleep(context.endMs - clock.now(), AbortSignal.any([options.signal, searchOver.signal]));
    if (options.signal.aborted) abortReason = interrupted(options.signal, clock.now() - startMs);
  } catch (error) {
    abortReason = (error as Error).message;
  } finally {
    const failures = await teardown.runAll();
    if (failures.length > 0) abortReason ??= `teardown: ${failures.join('; ')}`;
  }
  const crashes = engines.flatMap((e) => e.crashes());
  if (crashes.length > 0) abortReason ??= `engine process crashed: ${crashes.join('; ')}`;
  const durationMs = Math.min(Math.max(0, clock.now() - store.startMs), scenario.durationMs);
  const report = buildReport({ scenario, plan, wholePlan, network: planned.network, store, startedAtMs, durationMs, complete: abortReason === null, abortReason, targetUrls, ...(targetSoftware ? { targetSoftware } : {}), skipped, server: server?.result() ?? [], machineCores, shard: shard ? { ...shard, startAtMs: store.startMs } : null });
  const files = writeReport(options.outDir, report);
  journal?.remove();
  // Teardown waited for every process; one it could not end stays in the ledger for the next run to sweep.
  ledger.close();
  await notify(observers, 'onEnd', report);
  await notify(observers, 'close');
  return { report, files, verdict: verdictOf(report), ...(journal ? { journalCost: journal.cost } : {}) };
}
