import type { MetricName } from '../metrics/catalogue.js';
import type { BotSelector, DirectionSpec, NetworkSpec } from './network-types.js';
import type { ThresholdCondition } from './thresholds.js';

export type { AudioSpec, TalkSpec, VideoSpec } from './media-spec.js';
export type { FleetGroup } from './engine-kinds.js';
import type { FleetGroup } from './engine-kinds.js';


export type { TargetKind, TargetSpec, UserAdapterSpec } from './target-types.js';
import type { TargetSpec } from './target-types.js';

export interface Threshold {
  metric: MetricName;
  expression: string;
  condition: ThresholdCondition;
  abortOnFail: boolean;
}

/** How bots notice a failed node and come back (see bots/recovery.ts). */
export interface RecoverySpec {
  /** No packet from anyone for this long (while subscribed) counts as a failure. */
  mediaTimeoutMs: number;
  /** A stream silent for longer than this, then back, records a media_gap_ms. */
  gapThresholdMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

/**
 * When a fleet process is saturated: event-loop lag p99 or CPU over the limit for this long in a
 * row, or its samples missing or late; with the bundled target, also when fleet and target together
 * hold the machine's cores over `maxMachineCpuPercent` that long. When the load did not happen as
 * planned: a join backlog or a send deficit over its limit that long. Results from a saturated
 * loader, or of load that never happened, are not the target's, so such a run is invalid.
 */
export interface HarnessLimits {
  maxEventLoopLagMs: number;
  maxCpuPercent: number;
  maxMachineCpuPercent: number;
  sustainedForMs: number;
  /** Fraction of the bots due by a second that may not have joined. */
  maxJoinBacklog: number;
  /** A bot is due this long after its planned join time. */
  joinGraceMs: number;
  /** Fraction of a group's scheduled packets in a second that may have been skipped. */
  maxSendDeficit: number;
}

/** `node-<i>`, or chosen when the step runs: "random" (seeded) or "busiest" (most rooms). */
export type NodePick = string;

export type ChaosStep =
  | { atMs: number; action: 'kill-node'; target: NodePick }
  | { atMs: number; action: 'kill-worker'; target: string }
  | { atMs: number; action: 'pause-node'; target: NodePick; forMs: number }
  | { atMs: number; action: 'restart-node'; target: string }
  | { atMs: number; action: 'exec'; command: string[]; timeoutMs: number }
  /** Replaces the bots' profile in `direction` for `forMs` (null: until the run ends). */
  | { atMs: number; action: 'impair'; bots: BotSelector; profile: string; direction: DirectionSpec; forMs: number | null }
  /** Blackholes media between every bot and one node. */
  | { atMs: number; action: 'partition'; target: string; forMs: number | null }
  /** The picked participants (werift bots and browsers) drop signalling and media at once and rejoin with their backoff. */
  | { atMs: number; action: 'reconnect'; bots: BotSelector }
  /** For `forMs`, `ratePerS` picked participants a second leave, each rejoining `awayMs` later. */
  | { atMs: number; action: 'churn'; bots: BotSelector; forMs: number; ratePerS: number; awayMs: number };

export type NetworkChaosStep = Extract<ChaosStep, { action: 'impair' | 'partition' }>;

/** Steps that act on the participants themselves (chaos/client-actions.ts). */
export type ClientChaosStep = Extract<ChaosStep, { action: 'reconnect' | 'churn' }>;

export type MediaPlaneChoice = 'native' | 'typescript' | 'auto';

export interface Scenario {
  name: string;
  /** Source file, or null for a scenario parsed from text that did not come from a file. */
  file: string | null;
  /** The YAML text as given: reports carry it, so a run can be replayed and shards merged. */
  source: string;
  /** Files the scenario names (network traces), by the path as written: a report carries them, so a replay needs nothing else. */
  files: Record<string, string>;
  seed: number;
  durationMs: number;
  target: TargetSpec;
  rooms: { count: number; size: number };
  fleet: FleetGroup[];
  thresholds: Threshold[];
  recovery: RecoverySpec;
  chaos: ChaosStep[];
  /** null: bots reach the target directly, unimpaired. */
  network: NetworkSpec | null;
  harness: HarnessLimits;
  /** Which media plane the werift bots use (docs/native-plane.md); 'auto': native when it is built, else TypeScript. */
  media: { plane: MediaPlaneChoice };
  /** A capacity search (docs/capacity.md): the run grows step by step until an SLO breaks; null for a fixed load. */
  capacity: CapacitySpec | null;
}

/**
 * A capacity search in rooms of the scenario's shape (its fleet spread over `rooms.count` rooms);
 * amounts given in bots are converted to rooms when the scenario is loaded.
 */
export interface CapacitySpec {
  startRooms: number;
  growRooms: number;
  maxRooms: number;
  /** Each step's new bots join over this long; then the step is held for `holdMs`. */
  rampMs: number;
  holdMs: number;
  /** Judged on each step's hold window (join_time_ms on the whole step: joins happen in its ramp). */
  slo: Threshold[];
  /** After the first step that breaks, bisect between it and the last held one with probe runs. */
  refine: boolean;
  /** The capacity found must reach this, or the run exits 99. */
  min: { bots: number } | { rooms: number } | null;
}
