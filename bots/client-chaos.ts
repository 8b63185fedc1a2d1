/**
 * Reconnect and churn steps as every engine acts on them: a reconnect at once, churn leaves and
 * rejoins at their run times. Shared by the werift fleet processes and the browser engine.
 */
import type { ClientChange } from '../ports/client-control.js';

/** A participant as client chaos drives it; `leave` and `reconnect` are false when it was not in the room. */
export interface ChaosParticipant {
  reconnect(): boolean;
  leave(): boolean;
  rejoin(): Promise<void>;
}

/**
 * Acts on the participants `find` knows (the change names every engine's); churn timers go into
 * `timers`, which the engine clears when it stops. `startMs`: the run's 0 (epoch ms).
 */
export function applyClientChange(change: ClientChange, find: (id: number) => ChaosParticipant | undefined, startMs: number, timers: NodeJS.Timeout[]): void {
  if (change.kind === 'reconnect') {
    for (const id of change.bots) find(id)?.reconnect();
    return;
  }
  const at = (runMs: number): number => Math.max(0, startMs + runMs - Date.now());
  for (const leave of change.leaves) {
    const participant = find(leave.botId);
    if (!participant) continue;
    // One not in the room when its leave came (joining, recovering) does not leave, and so does not rejoin either.
    let left = false;
    timers.push(setTimeout(() => (left = participant.leave()), at(leave.atMs)));
    timers.push(
      setTimeout(() => {
        if (left) void participant.rejoin();
      }, at(leave.rejoinAtMs)),
    );
  }
}
