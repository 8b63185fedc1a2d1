/**
 * How a participant comes back after losing its node, the same for every engine: it counts the
 * failure, retries joining with capped exponential backoff and seeded jitter (a replayed run retries
 * at the same moments), and measures the outage from the last packet before the failure to the
 * first one after it (`recovery_time_ms`).
 */
import { realClock, type Clock } from '../core/clock.js';
import type { MetricStore } from '../core/metrics/store.js';
import type { RecoverySpec } from '../core/scenario/index.js';

export class Recovery {
  /** The last packet before the open outage; undefined when there is none. */
  private outageFromMs: number | undefined;

  constructor(
    private readonly spec: RecoverySpec,
    private readonly random: () => number,
    private readonly store: MetricStore,
    private readonly group: string,
    private readonly room: string,
    private readonly clock: Clock = realClock,
  ) {}

  /**
   * The connection was lost; media was last heard at `lastPacketMs`. A failure during an outage
   * (a rejoined node failing too) is counted but keeps the outage's start. `induced`: the harness
   * dropped the participant (a reconnect step), so the target did not fail: the outage is measured
   * (recovery_time_ms) but no failure is counted.
   */
  failed(lastPacketMs: number, options: { induced?: boolean } = {}): void {
    if (!options.induced) {
      this.store.count('bot_failures', 1, this.group);
      this.store.count('room_bot_failures', 1, this.room);
    }
    this.outageFromMs ??= lastPacketMs;
  }

  /** Media arrived while connected: closes an open outage (recorded when there was media before it). */
  mediaBack(arrivalMs: number): void {
    if (this.outageFromMs === undefined) return;
    if (Number.isFinite(this.outageFromMs)) this.store.record('recovery_time_ms', arrivalMs - this.outageFromMs, this.group, arrivalMs);
    this.outageFromMs = undefined;
  }

  /**
   * Calls `rejoin` after each backoff until it resolves (true), or until `stopped()` says the
   * participant was closed meanwhile (false): the end of the run ends the loop.
   */
  async retry(stopped: () => boolean, rejoin: () => Promise<void>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const backoffMs = Math.min(this.spec.backoffMaxMs, this.spec.backoffInitialMs * 2 ** attempt) * (0.5 + this.random());
      await this.clock.sleep(backoffMs);
      if (stopped()) return false;
      try {
        await rejoin();
        return true;
      } catch {
        // Another attempt, after a longer wait.
      }
    }
  }
}
