/** The `network:` section and the network chaos steps, as the rest of rtcstorm sees them (ratios 0–1, times in ms). */

/** Media from the bot to the server is `up`, from the server to the bot `down`. */
export type Direction = 'up' | 'down';

export type LossModel =
  | { kind: 'random'; ratio: number }
  /**
   * netem's gemodel: p = P(good → bad), r = P(bad → good), lossInBad = 1-h, lossInGood = 1-k,
   * one transition per media packet.
   */
  | { kind: 'gilbert-elliott'; p: number; r: number; lossInBad: number; lossInGood: number };

export type JitterDistribution = 'uniform' | 'normal' | 'pareto';

export interface JitterSpec {
  /** Half-width for uniform; standard deviation for normal and pareto. */
  ms: number;
  distribution: JitterDistribution;
  /** false: a packet never overtakes an earlier one (it waits for it instead). */
  reorder: boolean;
}

/** A rate limit with a FIFO queue of at most `queueLimit` packets; media arriving at a full queue is dropped (tail drop). */
export interface RateSpec { kbps: number; queueLimit: number }

/** One direction's impairment. Loss and duplication apply to media (RTP) only; delay, jitter and rate to every packet. */
export interface ImpairmentProfile {
  loss: LossModel | null;
  delayMs: number;
  jitter: JitterSpec | null;
  duplicateRatio: number;
  rate: RateSpec | null;
  /** Every packet dropped, control traffic included. */
  blackhole: boolean;
}

/** One row of a trace: from `atMs` (since the trace's start) until the next row, this impairment (null: none). */
export interface TraceInterval { atMs: number; profile: ImpairmentProfile | null }

export type TraceFormat = 'csv' | 'json' | 'alphartc' | 'mahimahi';

/** A network trace: impairment that changes over time (`network.profiles.<name>.trace`). */
export interface NetworkTrace {
  /** The file as the scenario names it (relative to the scenario's folder). */
  file: string;
  format: TraceFormat;
  /** Sorted by `atMs`; the first at 0. */
  intervals: TraceInterval[];
  /** One pass: after it the trace starts over (`loop`) or its last row holds. */
  lengthMs: number;
  loop: boolean;
  /** Where the trace's 0 is on the run's timeline; before it, nothing is impaired. */
  startAtMs: number;
}

/** A profile as assignments and impair steps name it: fixed, or a trace over time. */
export type NetworkProfile = ImpairmentProfile | { trace: NetworkTrace };

export function isTraced(profile: NetworkProfile): profile is { trace: NetworkTrace } {
  return 'trace' in profile;
}

/** A profile per direction; a missing direction is not impaired. */
export type DirectionProfiles = Partial<Record<Direction, NetworkProfile>>;

/** Which werift bots an assignment or an impair step means. */
export type BotSelector =
  /** A seeded share of all werift bots, rounded to the nearest bot. */
  | { kind: 'share'; ratio: number }
  | { kind: 'group'; name: string }
  /** Bots seated in these rooms of the plan (room indices). */
  | { kind: 'rooms'; rooms: number[] };

export type DirectionSpec = Direction | 'both';

export interface NetworkAssignment {
  bots: BotSelector;
  profile: string;
  direction: DirectionSpec;
}

export type NetworkBackend = 'userspace' | 'kernel';

export interface NetworkSpec {
  backend: NetworkBackend;
  profiles: Record<string, NetworkProfile>;
  /** Applied in order: a later entry replaces an earlier one for the same bot and direction. */
  assign: NetworkAssignment[];
}

/** The directions a `direction:` value covers. */
export function directionsOf(spec: DirectionSpec): Direction[] {
  return spec === 'both' ? ['up', 'down'] : [spec];
}
