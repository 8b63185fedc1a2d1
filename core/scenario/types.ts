import type { MetricName } from '../metrics/catalogue.js';
import type { BotSelector, DirectionSpec, NetworkSpec } from './network-types.js';
import type { ThresholdCondition } from './thresholds.js';

export interface AudioSpec {
  codec: 'opus';
  ptimeMs: 10 | 20 | 40 | 60;
  bitrateKbps: number;
}

/** `always`: a packet every packet time; `p59`: ITU-T P.59 talk spurts and pauses, with Opus DTX in pauses. */
export type TalkSpec = { model: 'always' } | { model: 'p59'; dtx: boolean };

export interface WeriftGroup {
  engine: 'werift';
  name: string;
  count: number;
  rampUpMs: number;
  audio: AudioSpec;
  /** When bots talk: always, or the P.59 on/off model with DTX. */
  talk: TalkSpec;
  /** How many bots of the group publish (speakers); the rest only listen, as in a large stage. */
  speakers: number;
}

export interface VideoSpec {
  codec: 'vp8';
  width: number;
  height: number;
  fps: number;
}

/** Real Chromium participants (bots/browser/): `perProcess` pages share one browser process. */
export interface BrowserGroup {
  engine: 'browser';
  name: string;
  count: number;
  perProcess: number;
  rampUpMs: number;
  audio: AudioSpec;
  /** null: audio only. */
  video: VideoSpec | null;
}

/** One k6 stage: ramp to `target` (VUs, or iterations per time unit) over the stage's duration. */
export interface K6Stage { durationMs: number; target: number }

/** How k6 starts iterations: k6's executors, with k6's option names (durations in ms). */
export type K6Load =
  | { executor: 'constant-vus'; vus: number; durationMs: number }
  | { executor: 'ramping-vus'; startVUs: number; stages: K6Stage[] }
  | { executor: 'ramping-arrival-rate'; startRate: number; timeUnitMs: number; preAllocatedVUs: number; maxVUs?: number; stages: K6Stage[] };

/** What one k6 iteration does against the signalling (see bots/k6/script/signalling-load.ts). */
export type K6Behaviour = { kind: 'join-leave' } | { kind: 'reconnect-storm' } | { kind: 'custom'; script: string };

/** Signalling-plane load from k6; its sessions take no seats in `rooms` (they use rooms of their own). */
export interface K6Group {
  engine: 'k6';
  name: string;
  load: K6Load;
  behaviour: K6Behaviour;
  /** When the group starts, ms after the run's start. */
  startTimeMs: number;
  /** k6 sessions per room. */
  roomSize: number;
  /** When true and k6 is missing the run stops before starting; otherwise the group is skipped. */
  required: boolean;
}

/** Discriminated on `engine`. */
export type FleetGroup = WeriftGroup | BrowserGroup | K6Group;

/** A user's adapter module for the target (docs/targets.md); `module` as written, relative to the scenario file. */
export interface UserAdapterSpec { module: string; options: Record<string, unknown> }

/** Which target, and (`adapter`) a module of the user's that speaks its signalling instead of the built-in adapter. */
export type TargetSpec = TargetKind & { adapter?: UserAdapterSpec };

export type TargetKind =
  | { kind: 'bundled'; nodes: number; workersPerNode: number }
  /** An external server that speaks rtcstorm's protocol (`rtcstorm target`, another machine's cluster). */
  | { kind: 'url'; url: string; allowNonLoopback: boolean }
  /** Janus VideoRoom: `instances` launched by rtcstorm (url null), or an external one at `url` (instances 0, no process control). */
  | { kind: 'janus'; instances: number; url: string | null; allowNonLoopback: boolean; publishersPerRoom: number }
  /** WHIP to publish, WHEP to subscribe: servers rtcstorm launches in front of a Janus (`launch`, no process chaos), or the user's endpoint templates. */
  | { kind: 'whip'; launch: boolean; publish: string | null; subscribe: string | null; token: string | null; allowNonLoopback: boolean }
  /** Your SFU, started by rtcstorm: `instances` runs of `command`, each on its own port, ended with the run; loopback only. */
  | { kind: 'launch'; command: string[]; instances: number; port: number; url: string; health: string | null; env: Record<string, string>; readyTimeoutMs: number; allowNonLoopback: false };

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
  | { atMs: number; action: 'partition'; target: string; forMs: number | null };

export type NetworkChaosStep = Extract<ChaosStep, { action: 'impair' | 'partition' }>;

export interface Scenario {
  name: string;
  /** Source file, or null for a scenario parsed from text that did not come from a file. */
  file: string | null;
  /** The YAML text as given: reports carry it, so a run can be replayed and shards merged. */
  source: string;
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
