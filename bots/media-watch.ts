/**
 * Runs the engines' silence checks (a participant that hears no one it subscribes to for longer
 * than the media timeout has lost its node: a paused or partitioned node closes no socket) a few
 * times a second. After the process itself stalled (a long GC, an overloaded core), every stream
 * looks silent; that is the harness's delay, not a failed node, so such a round is skipped.
 */
import { hostNowMs } from './clock.js';

const checkEveryMs = 250;

export class MediaWatch {
  private timer: NodeJS.Timeout | undefined;
  private lastCheckMs = 0;

  constructor(private readonly check: (nowMs: number) => void) {}

  start(): void {
    if (this.timer) return;
    this.lastCheckMs = hostNowMs();
    this.timer = setInterval(() => this.tick(), checkEveryMs);
  }

  private tick(): void {
    const now = hostNowMs();
    const stalled = now - this.lastCheckMs > 4 * checkEveryMs;
    this.lastCheckMs = now;
    if (!stalled) this.check(now);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
