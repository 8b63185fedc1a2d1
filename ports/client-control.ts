/**
 * Client chaos: what the run sends to an engine whose participants can be made to drop and rejoin
 * (the werift fleet, the browsers). Participant ids are the plan's; each engine acts on those it
 * hosts and ignores the others, so every engine (and every shard) can be sent the same change.
 */
import type { ChurnLeave } from '../core/plan/client-plan.js';

export type ClientChange =
  /** These participants drop signalling and media at once, and rejoin with their backoff. */
  | { kind: 'reconnect'; id: string; bots: number[] }
  /** Each participant leaves at `atMs` and joins again at `rejoinAtMs` (run times). */
  | { kind: 'churn'; id: string; leaves: ChurnLeave[] };

export interface ClientControl {
  /** Resolves when the change is on its way to every participant it names (churn: scheduled). */
  apply(change: ClientChange): Promise<void>;
}
