/** Which target a scenario drives (target-schema.ts). */

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
