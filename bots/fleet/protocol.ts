/** Messages between the run and its fleet processes (a typed union, as over any IPC channel). */
import type { BotPlan } from '../../core/plan/plan.js';
import type { SerializedBucket } from '../../core/metrics/store.js';

export interface FleetStart {
  type: 'start';
  /** Index of this fleet process; harness metrics are grouped as `fleet-<index>`. */
  index: number;
  startMs: number;
  /** When the bots stop sending, by themselves, whether or not the run says stop. */
  endMs: number;
  /** Signalling URL per target node; room r goes to urls[r % urls.length]. */
  urls: string[];
  /** Prefix of room names, unique per run, so runs sharing a target do not meet. */
  runTag: string;
  bots: BotPlan[];
  joinTimeoutMs: number;
}

export type ToFleet = FleetStart | { type: 'stop' };

export interface FleetProgress { connected: number; joined: number; failed: number }

export type FromFleet =
  | { type: 'buckets'; buckets: SerializedBucket[]; progress: FleetProgress }
  | { type: 'stopped'; buckets: SerializedBucket[]; progress: FleetProgress }
  | { type: 'fatal'; message: string };
