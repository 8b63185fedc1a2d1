/**
 * The run's own view of a harness process: it knows when each second's samples are due, times
 * their arrival (`harness_report_delay_ms`), and counts a second whose samples did not arrive in
 * time as missing (`harness_seconds_missing`). A starved process can neither measure its own lag
 * nor send it; its silence is the measurement. The run process times its own seconds the same way.
 */
import type { MetricStore } from '../core/metrics/store.js';

/** A second's samples that reach the run later than this after the second ended count as missing. */
const graceMs = 1000;

export class SampleDeadline {
  /** Seconds up to this one are decided: arrived in time, or counted missing. */
  private decidedUpTo = -1;
  private readonly arrivedSeconds = new Set<number>();

  constructor(
    private readonly store: MetricStore,
    /** The process's harness group, e.g. `fleet-0`. */
    private readonly process: string,
    private readonly lastSecond: number,
  ) {}

  private endOf(second: number): number {
    return this.store.startMs + (second + 1) * 1000;
  }

  /** The process's samples of `second` arrived now. */
  arrived(second: number, nowMs = Date.now()): void {
    if (second < 0 || second > this.lastSecond || this.arrivedSeconds.has(second)) return;
    // A second already counted missing still gets its delay: how late it was is worth knowing.
    if (second > this.decidedUpTo) this.arrivedSeconds.add(second);
    this.store.record('harness_report_delay_ms', Math.max(0, nowMs - this.endOf(second)), this.process, this.endOf(second) - 500);
  }

  /** Counts as missing every second up to `upTo` whose deadline has passed without its samples. */
  check(nowMs = Date.now(), upTo = this.lastSecond): void {
    for (let t = this.decidedUpTo + 1; t <= Math.min(upTo, this.lastSecond) && this.endOf(t) + graceMs <= nowMs; t++) {
      if (!this.arrivedSeconds.delete(t)) this.store.count('harness_seconds_missing', 1, this.process, this.endOf(t) - 500);
      this.decidedUpTo = t;
    }
  }

  /** The process is done: every second up to `upTo` that did not arrive is missing, whatever the time. */
  finish(upTo: number): void {
    this.check(Number.POSITIVE_INFINITY, upTo);
  }

  /**
   * For a process that samples itself on a timer (the run process): the second that ended last,
   * to sample now, unless it is sampled or decided already. Seconds whose timers a stalled event
   * loop skipped are missing, as a fleet process's are; the open second is never judged.
   */
  dueNow(nowMs = Date.now()): number | undefined {
    this.check(nowMs);
    const ended = Math.min(Math.floor((nowMs - this.store.startMs) / 1000) - 1, this.lastSecond);
    if (ended < 0 || ended <= this.decidedUpTo || this.arrivedSeconds.has(ended)) return undefined;
    this.arrived(ended, nowMs);
    return ended;
  }
}

/** How often the run decides which seconds are missing. */
const checkEveryMs = 250;

/**
 * Checks deadlines every 250 ms, each check as of when it was due. A check that comes late means
 * the run process itself was stalled, with samples already queued unread (they are read after the
 * timers): judged as of its due time, the run's own stall is not blamed on the processes.
 */
export class DeadlineChecks {
  private lastMs: number;

  constructor(private readonly deadlines: () => Iterable<SampleDeadline>, nowMs = Date.now()) {
    this.lastMs = nowMs;
  }

  tick(nowMs = Date.now()): void {
    const lateMs = Math.max(0, nowMs - this.lastMs - checkEveryMs);
    this.lastMs = nowMs;
    for (const deadline of this.deadlines()) deadline.check(nowMs - lateMs);
  }

  /** Ticks every 250 ms until the returned timer is cleared. */
  static every(deadlines: () => Iterable<SampleDeadline>): NodeJS.Timeout {
    const checks = new DeadlineChecks(deadlines);
    return setInterval(() => checks.tick(), checkEveryMs);
  }
}
