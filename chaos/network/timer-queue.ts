/**
 * Delayed deliveries of a whole fleet process behind one timer: a binary heap by due time (ties in
 * the order scheduled), one setTimeout armed for the earliest. A setTimeout per packet would cost a
 * timer object each and fire in no guaranteed order for equal times.
 */

interface Entry { atMs: number; order: number; run: () => void }

/**
 * Node fires timers on whole milliseconds, sometimes a fraction early: what is due within this
 * margin goes now, since re-arming for the rest would cost a full millisecond.
 */
const earlyMarginMs = 0.5;

export class TimerQueue {
  private readonly heap: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedForMs = Number.POSITIVE_INFINITY;
  private scheduled = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  get size(): number {
    return this.heap.length;
  }

  /** Runs `run` at `atMs` (on the `now` clock), after everything scheduled earlier for the same time. */
  at(atMs: number, run: () => void): void {
    this.push({ atMs, order: this.scheduled++, run });
    if (atMs < this.armedForMs) this.arm();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedForMs = Number.POSITIVE_INFINITY;
    this.heap.length = 0;
  }

  private arm(): void {
    clearTimeout(this.timer);
    const next = this.heap[0];
    this.armedForMs = next?.atMs ?? Number.POSITIVE_INFINITY;
    this.timer = next ? setTimeout(() => this.fire(), Math.max(0, next.atMs - this.now())) : undefined;
  }

  private fire(): void {
    const due = this.now() + earlyMarginMs;
    while (this.heap.length > 0 && this.heap[0]!.atMs <= due) this.pop().run();
    this.arm();
  }

  private before(a: Entry, b: Entry): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);
  }

  private push(entry: Entry): void {
    const { heap } = this;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Entry {
    const { heap } = this;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
    return top;
  }
}
