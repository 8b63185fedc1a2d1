/**
 * Which packets a video receiver asks again for (RFC 4585 generic NACK), with libwebrtc's limits: a
 * gap is asked for as soon as a later packet shows it, again once per round trip, at most 10 times,
 * given up when older than 1,000 packets or 1 s (then the frame chain asks for a keyframe instead), and
 * forgotten once a later frame continues the chain.
 */

export interface NackLimits {
  maxRetries: number;
  maxAgePackets: number;
  maxAgeMs: number;
}

const defaults: NackLimits = { maxRetries: 10, maxAgePackets: 1000, maxAgeMs: 1000 };

interface Missing { seq: number; firstSeenMs: number; sentAtMs: number | null; retries: number }

export class NackRequester {
  private highest: number | null = null;
  private readonly missing = new Map<number, Missing>();
  private readonly limits: NackLimits;
  /** Packets given up on, for the stream's metrics. */
  abandoned = 0;

  constructor(limits: Partial<NackLimits> = {}) {
    this.limits = { ...defaults, ...limits };
  }

  /** A packet arrived (first time or a retransmission); `seq` is its 16-bit sequence number. */
  received(seq: number, nowMs: number): void {
    if (this.highest === null) {
      this.highest = seq;
      return;
    }
    const ahead = (seq - this.highest) & 0xffff;
    if (ahead === 0) return;
    if (ahead < 0x8000) {
      // Newer: every sequence number skipped is missing.
      for (let k = 1; k < ahead && k <= this.limits.maxAgePackets; k++) {
        const gap = (this.highest + k) & 0xffff;
        this.missing.set(gap, { seq: gap, firstSeenMs: nowMs, sentAtMs: null, retries: 0 });
      }
      this.highest = seq;
    } else {
      // Older: a late or retransmitted packet fills its gap.
      this.missing.delete(seq);
    }
  }

  /**
   * A frame ending at `seq` continues the decodable chain: what is missing before it is no longer needed
   * (libwebrtc's `ClearUpTo`). An SFU skips sequence numbers it never sends, at a layer switch for one.
   */
  clearUpTo(seq: number): void {
    for (const gap of this.missing.keys()) {
      const behind = (seq - gap) & 0xffff;
      if (behind > 0 && behind < 0x8000) this.missing.delete(gap);
    }
  }

  /** Sequence numbers to put in a NACK now; `rttMs`: resend no sooner than this after the last ask. */
  due(nowMs: number, rttMs: number): number[] {
    const out: number[] = [];
    for (const [seq, m] of this.missing) {
      const age = this.highest === null ? 0 : (this.highest - seq) & 0xffff;
      if (m.retries >= this.limits.maxRetries || age > this.limits.maxAgePackets || nowMs - m.firstSeenMs > this.limits.maxAgeMs) {
        this.missing.delete(seq);
        this.abandoned++;
        continue;
      }
      if (m.sentAtMs !== null && nowMs - m.sentAtMs < rttMs) continue;
      m.sentAtMs = nowMs;
      m.retries++;
      out.push(seq);
    }
    return out;
  }

  get pending(): number {
    return this.missing.size;
  }
}

/** At most one request per interval: keyframe requests (PLI) as Chromium sends them, keyframes as an encoder grants them. */
export class MinInterval {
  private lastMs: number | null = null;

  constructor(private readonly intervalMs: number) {}

  /** Whether to act now; if so, the interval starts again. */
  take(nowMs: number): boolean {
    if (this.lastMs !== null && nowMs - this.lastMs < this.intervalMs) return false;
    this.lastMs = nowMs;
    return true;
  }

  /** It acted now anyway (a keyframe that was not asked for): the interval starts again. */
  restart(nowMs: number): void {
    this.lastMs = nowMs;
  }
}
