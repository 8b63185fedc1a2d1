/** Messages between the run and its fleet processes (a typed union, as over any IPC channel). */
import type { BotPlan } from '../../core/plan/plan.js';
import type { RecoverySpec } from '../../core/scenario/index.js';
import type { SerializedBucket } from '../../core/metrics/store.js';
import type { EngineProgress } from '../../ports/engine.js';
import type { ClientChange } from '../../ports/client-control.js';
import type { FleetNetwork, NetworkChange } from '../../ports/network-control.js';
import type { AdapterSpec } from '../../targets/adapter-module.js';

export interface FleetStart {
  type: 'start';
  /** Index of this fleet process; harness metrics are grouped as `fleet-<index>`. */
  index: number;
  startMs: number;
  /** When the bots stop sending, by themselves, whether or not the run says stop. */
  endMs: number;
  /** The target's adapter: each fleet process loads it and its bots join through it. */
  adapter: AdapterSpec;
  /** Whether the target is on loopback (bots then gather 127.0.0.1 only). */
  loopbackOnly: boolean;
  /** Prefix of room names, unique per run, so runs sharing a target do not meet. */
  runTag: string;
  bots: BotPlan[];
  /** The plan's seed: each bot's backoff jitter derives from it. */
  seed: number;
  recovery: RecoverySpec;
  joinTimeoutMs: number;
  /** The werift bots' media plane (the run settled the scenario's 'auto'). */
  mediaPlane: 'native' | 'typescript';
  /** How the bots reach the target; absent: directly. */
  network?: FleetNetwork;
}

export type ToFleet = FleetStart | { type: 'network'; change: NetworkChange } | { type: 'clients'; change: ClientChange } | { type: 'stop' };


/** `second`: the second whose harness samples (lag, CPU) the message carries; null when none. */
export type FromFleet =
  | { type: 'buckets'; second: number; buckets: SerializedBucket[]; progress: EngineProgress }
  | { type: 'stopped'; second: number | null; buckets: SerializedBucket[]; progress: EngineProgress }
  | { type: 'fatal'; message: string };
