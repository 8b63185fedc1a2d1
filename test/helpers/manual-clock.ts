/**
 * A clock for unit tests that moves only when told: time jumps from timer to timer, each firing at
 * exactly its due time, with the promise work it starts settled before the next one fires. A
 * scenario of 30 s runs in milliseconds, and "at t" means t, not t plus the machine's load.
 */
import type { Clock, Timer } from '../../core/clock.js';

interface Pending { dueMs: number; order: number; callback: () => void; everyMs?: number }

/** Lets queued promise callbacks (and immediates they queue) run: enough for code that does no real I/O. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  private nowMs: number;
  private order = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** A fixed epoch by default, so reports and logs of a test are the same on every run. */
  constructor(startMs = Date.UTC(2030, 0, 1)) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    return this.add(callback, ms);
  }

  setInterval(callback: () => void, ms: number): Timer {
    return this.add(callback, ms, Math.max(1, ms));
  }

  clearTimeout(timer: Timer | undefined): void {
    if (timer !== undefined) this.pending.delete(timer as unknown as number);
  }

  clearInterval(timer: Timer | undefined): void {
    this.clearTimeout(timer);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.clearTimeout(timer);
        resolve();
      };
      const timer = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Timers (timeouts and intervals) not yet fired or cleared. */
  get pendingTimers(): number {
    return this.pending.size;
  }

  /** Moves time on by `ms`, firing each timer due meanwhile at its due time, in order. */
  async advance(ms: number): Promise<void> {
    const untilMs = this.nowMs + ms;
    await settle();
    for (let next = this.next(); next && next[1].dueMs <= untilMs; next = this.next()) await this.fire(...next);
    this.nowMs = untilMs;
    await settle();
  }

  /**
   * Lets `work` run to its end, jumping to the next timer whenever nothing else is left to do.
   * Throws when `work` waits with no timer pending: it waits on something this clock does not drive.
   */
  async run<T>(work: Promise<T>): Promise<T> {
    let outcome: { value: T } | { error: unknown } | undefined;
    void work.then(
      (value) => (outcome = { value }),
      (error: unknown) => (outcome = { error }),
    );
    await settle();
    while (!outcome) {
      const next = this.next();
      if (!next) throw new Error('ManualClock.run: the work is waiting and no timer is pending');
      await this.fire(...next);
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  private add(callback: () => void, ms: number, everyMs?: number): Timer {
    const id = this.nextId++;
    this.pending.set(id, { dueMs: this.nowMs + Math.max(0, ms), order: this.order++, callback, ...(everyMs ? { everyMs } : {}) });
    return id as unknown as Timer;
  }

  /** The earliest timer; of timers due at once, the one set first (as Node orders them). */
  private next(): [number, Pending] | undefined {
    let best: [number, Pending] | undefined;
    for (const entry of this.pending) if (!best || entry[1].dueMs < best[1].dueMs || (entry[1].dueMs === best[1].dueMs && entry[1].order < best[1].order)) best = entry;
    return best;
  }

  private async fire(id: number, timer: Pending): Promise<void> {
    this.nowMs = timer.dueMs;
    if (timer.everyMs === undefined) this.pending.delete(id);
    else this.pending.set(id, { ...timer, dueMs: timer.dueMs + timer.everyMs, order: this.order++ });
    timer.callback();
    await settle();
  }
}
