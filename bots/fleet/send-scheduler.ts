/**
 * When each bot of a process sends: one timer for the whole process, ticking every millisecond,
 * with the bots spread evenly over the packet time (bot k sends in slot k mod ptime). Real clients
 * are not in step; bots that all sent in the same tick would arrive at the SFU, and come back, as one
 * burst, and the last packets of a burst would wait behind the others: latency the harness made.
 * Ticks the event loop delivers late are caught up, at most one packet time's worth; what is older
 * is skipped, as a client that stalled would, and each sender is told how many packets it skipped,
 * so a send deficit is counted rather than dropped silently.
 *
 * Started with the run's 0, the ticks are the run's milliseconds: a sender is told which of its
 * packet times this is on the run's clock, so the same packet carries the same RTP timestamp in
 * every run of a scenario (the impairment relay keys its draws on it).
 *
 * With a plane's voice batch, senders that join it are sent for by the plane, a slot at a time; a
 * batch with a clock of its own (the native plane's) ticks itself, and the JavaScript timer runs only
 * while some sender is not in it.
 */
import type { VoiceBatch } from '../../ports/media-plane.js';

export interface Sender {
  /** Joins `batch`'s slot `slot` to be sent for there (one call per slot and tick) rather than called per packet; false if it cannot. */
  joinBatch?(batch: VoiceBatch, slot: number): boolean;
  /** `turn`: this packet time's index since the scheduler's start (the run's 0, when given one). */
  sendPacket(turn: number): void;
  /** `count` packet times of this sender passed while its process was too late to send them. */
  skipPackets(count: number): void;
}

const slotMs = 1;

export class SendScheduler {
  private readonly slots: Sender[][];
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  /** The batch keeps its own clock: the ticks here are for the senders not in it. */
  private batchRuns = false;
  private startedAt = 0;
  private done = 0;
  private added = 0;

  private readonly batch: VoiceBatch | undefined;

  /** `batchFor`: the plane's voice batch for this many slots, if it has one. */
  constructor(ptimeMs: number, batchFor?: (slots: number) => VoiceBatch | undefined) {
    if (!(Number.isInteger(ptimeMs) && ptimeMs >= slotMs)) throw new RangeError(`packet time must be a whole number of ms, got ${ptimeMs}`);
    this.slots = Array.from({ length: ptimeMs / slotMs }, () => []);
    this.batch = batchFor?.(this.slots.length);
  }

  add(sender: Sender): void {
    const slot = this.added++ % this.slots.length;
    if (this.batch && sender.joinBatch?.(this.batch, slot)) return;
    this.slots[slot]!.push(sender);
    if (this.started) this.startTimer();
  }

  /** `runStartMs`: the run's 0 in epoch ms (default now); ticks before it send nothing. */
  start(runStartMs?: number): void {
    if (this.started) return;
    this.started = true;
    this.startedAt = runStartMs === undefined ? performance.now() : runStartMs - performance.timeOrigin;
    // Started after the run's 0: the turns before now are neither sent nor skipped.
    this.done = Math.max(0, Math.floor((performance.now() - this.startedAt) / slotMs));
    if (this.batch?.run && process.env.RTCSTORM_NATIVE_SEND_TIMER !== 'js') {
      this.batch.run(this.startedAt);
      this.batchRuns = true;
    }
    if (!this.batchRuns || this.slots.some((senders) => senders.length > 0)) this.startTimer();
  }

  private startTimer(): void {
    if (this.timer) return;
    // Started after the scheduler (the first sender outside the batch came later): no turn before now was anyone's.
    this.done = Math.max(this.done, Math.floor((performance.now() - this.startedAt) / slotMs));
    this.timer = setInterval(() => this.tick(), slotMs);
  }

  private tick(): void {
    const due = Math.floor((performance.now() - this.startedAt) / slotMs) + 1;
    // After a stall longer than a packet time, a client skips what it missed rather than bursting it.
    const resumeAt = due - this.slots.length;
    if (resumeAt > this.done) this.skip(this.done, resumeAt);
    const n = this.slots.length;
    for (; this.done < due; this.done++) {
      const slot = this.done % n;
      const turn = Math.floor(this.done / n);
      for (const sender of this.slots[slot]!) sender.sendPacket(turn);
      if (!this.batchRuns) this.batch?.sendSlot(slot, turn);
    }
  }

  /** Slots `from` up to (not including) `to` are skipped: each sender hears how many of its turns fell in them. */
  private skip(from: number, to: number): void {
    const n = this.slots.length;
    // Turns of slot s below k: the k' < k with k' mod n = s.
    const turnsBelow = (k: number, s: number): number => (k <= s ? 0 : Math.floor((k - s - 1) / n) + 1);
    this.slots.forEach((senders, s) => {
      const turns = turnsBelow(to, s) - turnsBelow(from, s);
      if (turns <= 0) return;
      for (const sender of senders) sender.skipPackets(turns);
      if (!this.batchRuns) this.batch?.skipSlot(s, turns);
    });
    this.done = to;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.batchRuns) this.batch?.stop?.();
    this.batchRuns = false;
    this.started = false;
  }
}
