/**
 * A load engine (werift bots, browsers, k6): started with the run's shared facts, stopped at the
 * end. Engines know nothing about reports; they write into the run's MetricStore.
 */
import type { MetricStore } from '../core/metrics/store.js';
import type { NetworkPlan } from '../core/plan/network-plan.js';
import type { RunPlan } from '../core/plan/plan.js';
import type { Scenario } from '../core/scenario/index.js';
import type { ClientControl } from './client-control.js';
import type { CheckResult } from './doctor-check.js';
import type { NetworkChaos } from './network-control.js';
import type { ProcessLedger } from './process-ledger.js';
import type { AdapterSpec } from './target-adapter.js';

export interface EngineContext {
  scenario: Scenario;
  plan: RunPlan;
  /** The plan's network part (whole plan, every shard's bots): null when the scenario leaves the network alone. */
  network: NetworkPlan | null;
  store: MetricStore;
  /** Where clients connect: a directory URL (http) or one SFU node (ws) for rtcstorm's protocol, or the target's own. */
  signallingUrl: string;
  /** The target's adapter, as every process hosting participants loads it. */
  adapter: AdapterSpec;
  /** Whether the target is on loopback. */
  loopbackOnly: boolean;
  startMs: number;
  endMs: number;
  /** Prefix of room names, unique per run, so runs sharing a target do not meet. */
  runTag: string;
  /** Where engines record the processes they start, so a killed run's are ended by the next. */
  processes: ProcessLedger;
}

/** What an engine may get ready before the run's clock starts. */
export interface EnginePreparation {
  scenario: Scenario;
  plan: RunPlan;
  processes: ProcessLedger;
}

export interface EngineProgress { connected: number; joined: number; failed: number }

/** A group the run could not start (e.g. k6 not installed), reported instead of failing the run. */
export interface SkippedGroup { group: string; engine: string; reason: string; hint?: string }

export interface Engine {
  readonly name: string;
  /**
   * Before the run's clock starts: what takes long and loads the machine (launching Chromium) is
   * done here, so it neither delays planned joins nor counts in the run's seconds. stop() ends what
   * it made, also when start() is never called.
   */
  prepare?(facts: EnginePreparation): Promise<void>;
  start(context: EngineContext): Promise<void>;
  /** Drains and stops; all its samples are in the store when this resolves. */
  stop(): Promise<void>;
  progress(): EngineProgress;
  /** Processes of this engine that crashed, with what they said last. */
  crashes(): string[];
  /** Where network chaos (impair, partition) goes, for an engine whose bots' network rtcstorm impairs. */
  readonly network?: NetworkChaos;
  /** Where client chaos (reconnect, churn) goes, for an engine whose participants can be made to drop and rejoin. */
  readonly clients?: ClientControl;
}

/** What the run tells every engine plug-in when it makes the engines of a scenario. */
export interface EngineOptions {
  /** werift fleet processes; default one per core, never more than bots. */
  processes?: number;
  /** The run's output folder: engines keep their own files under it (k6: its script, output and log). */
  outDir: string;
}

export interface ScenarioEngines { engines: Engine[]; skipped: SkippedGroup[] }

/**
 * An engine kind as a plug-in: it serves the fleet groups of its `engine:` name, makes the engines a
 * scenario needs of it, and says what `rtcstorm doctor` should check for it. The composition root
 * lists the plug-ins (core/run/engine-plugins.ts): one more engine is one more entry there.
 */
export interface EnginePlugin {
  readonly engine: Scenario['fleet'][number]['engine'];
  /** None when the scenario has no groups of this engine; throws, before anything started, when a required group cannot run here. */
  create(scenario: Scenario, plan: RunPlan, options: EngineOptions): ScenarioEngines;
  doctor(): CheckResult | Promise<CheckResult>;
}
