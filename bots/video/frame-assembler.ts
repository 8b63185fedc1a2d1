/**
 * A receiver's view of one VP8 stream: packets into frames, frames into a decodable chain, and what a
 * viewer would see. A delta frame needs the frame before it: after a frame that never completes, the
 * chain is broken until a keyframe, so the assembler asks for one (the caller sends PLI, rate-limited).
 * Freezes are counted as Chromium's `freezeCount` does: a gap between shown frames over
 * max(3 × the mean frame interval, the mean + 150 ms), the mean over the last 30 intervals.
 */
import { readVp8Descriptor } from './vp8-packetizer.js';

export interface ShownFrame {
  timestamp: number;
  keyframe: boolean;
  bytes: number;
  packets: number;
  /** Arrival of its last packet. */
  atMs: number;
  /** A keyframe's picture width (its frame header's); 0 for a delta frame. */
  width: number;
  /** The interval since the previous shown frame was a freeze; its length when it was. */
  freezeMs: number | null;
  /** Sequence number (16-bit) of its last packet. */
  lastSeq: number;
}

export interface AssemblerEvents {
  shown(frame: ShownFrame): void;
  /** The chain is broken (a frame never completed, or the stream began without a keyframe): ask the sender for a keyframe. */
  keyframeWanted(reason: string): void;
}

interface PendingFrame {
  timestamp: number;
  /** Extended sequence numbers of its packets. */
  seqs: Set<number>;
  firstSeq: number | null;
  lastSeq: number | null;
  keyframe: boolean;
  width: number;
  bytes: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
}

const maxIntervals = 30;
/** Frames kept while the chain is broken; older ones are dropped. */
const maxPending = 256;

export class FrameAssembler {
  private readonly frames = new Map<number, PendingFrame>();
  private highestSeq: number | null = null;
  /** Extended seq of the last packet of the last frame shown; null until a keyframe is shown. */
  private chainEnd: number | null = null;
  private lastShownMs: number | null = null;
  private readonly intervals: number[] = [];
  /** When a keyframe was last asked for while the chain stays broken; asked again every `waitMs`. */
  private wantedAtMs: number | null = null;

  /**
   * `waitMs`: how long a frame may wait for the one before it (NACK and RTX time) before the chain is
   * given up and a keyframe asked for.
   */
  constructor(
    private readonly events: AssemblerEvents,
    private readonly waitMs = 300,
  ) {}

  /** One RTP packet of the stream (an RTX one already turned back into its original). */
  packet(seq: number, timestamp: number, marker: boolean, payload: Buffer, nowMs: number): void {
    const ext = this.extend(seq);
    const info = readVp8Descriptor(payload);
    let frame = this.frames.get(timestamp);
    if (!frame) {
      frame = { timestamp, seqs: new Set(), firstSeq: null, lastSeq: null, keyframe: false, width: 0, bytes: 0, firstArrivalMs: nowMs, lastArrivalMs: nowMs };
      if (this.frames.size >= maxPending) this.frames.delete(this.frames.keys().next().value!);
      this.frames.set(timestamp, frame);
    }
    if (frame.seqs.has(ext) || (this.chainEnd !== null && ext <= this.chainEnd)) return;
    frame.seqs.add(ext);
    frame.bytes += payload.length - info.headerBytes;
    frame.lastArrivalMs = nowMs;
    if (info.startsFrame) {
      frame.firstSeq = ext;
      frame.keyframe = info.keyframe;
      // A keyframe's header: 3-byte tag, start code 9d 01 2a, then 14-bit width (RFC 6386 §9.1).
      if (info.keyframe && payload.length >= info.headerBytes + 8) frame.width = payload.readUInt16LE(info.headerBytes + 6) & 0x3fff;
    }
    if (marker) frame.lastSeq = ext;
    this.advance(nowMs);
  }

  /** Time passes without packets: a frame stuck behind a missing one is given up. */
  tick(nowMs: number): void {
    this.advance(nowMs);
  }

  private extend(seq: number): number {
    if (this.highestSeq === null) {
      this.highestSeq = seq;
      return seq;
    }
    const base = this.highestSeq - (this.highestSeq & 0xffff);
    let ext = base + seq;
    if (ext - this.highestSeq > 0x8000) ext -= 0x10000;
    else if (this.highestSeq - ext > 0x8000) ext += 0x10000;
    if (ext > this.highestSeq) this.highestSeq = ext;
    return ext;
  }

  private complete(frame: PendingFrame): boolean {
    return frame.firstSeq !== null && frame.lastSeq !== null && frame.seqs.size === frame.lastSeq - frame.firstSeq + 1;
  }

  private advance(nowMs: number): void {
    for (;;) {
      const next = this.nextInChain();
      if (next) {
        this.show(next);
        continue;
      }
      // A complete keyframe later in the stream restarts the chain, whatever was missing before it.
      const keyframe = this.earliestCompleteKeyframe();
      if (keyframe) {
        this.show(keyframe);
        continue;
      }
      break;
    }
    this.checkStall(nowMs);
  }

  private earliestCompleteKeyframe(): PendingFrame | undefined {
    let earliest: PendingFrame | undefined;
    for (const frame of this.frames.values()) if (frame.keyframe && this.complete(frame) && (!earliest || frame.firstSeq! < earliest.firstSeq!)) earliest = frame;
    return earliest;
  }

  private nextInChain(): PendingFrame | undefined {
    if (this.chainEnd === null) return undefined;
    for (const frame of this.frames.values()) if (frame.firstSeq === this.chainEnd + 1 && this.complete(frame)) return frame;
    return undefined;
  }

  private show(frame: PendingFrame): void {
    this.chainEnd = frame.lastSeq;
    this.wantedAtMs = null;
    // Frames that were older than this one can no longer be shown.
    for (const [timestamp, f] of this.frames) if (f === frame || (f.firstSeq ?? Math.min(...f.seqs)) < frame.firstSeq!) this.frames.delete(timestamp);
    let freezeMs: number | null = null;
    if (this.lastShownMs !== null) {
      const interval = frame.lastArrivalMs - this.lastShownMs;
      if (this.intervals.length > 0) {
        const mean = this.intervals.reduce((a, b) => a + b, 0) / this.intervals.length;
        if (interval > Math.max(3 * mean, mean + 150)) freezeMs = interval;
      }
      this.intervals.push(interval);
      if (this.intervals.length > maxIntervals) this.intervals.shift();
    }
    this.lastShownMs = frame.lastArrivalMs;
    this.events.shown({ timestamp: frame.timestamp, keyframe: frame.keyframe, bytes: frame.bytes, packets: frame.seqs.size, atMs: frame.lastArrivalMs, width: frame.width, freezeMs, lastSeq: frame.lastSeq! & 0xffff });
  }

  /** Frames are waiting, but none continues the chain: after `waitMs` it is broken, and a keyframe is asked for (again every `waitMs`). */
  private checkStall(nowMs: number): void {
    if (this.frames.size === 0) return;
    let oldest = Infinity;
    for (const frame of this.frames.values()) oldest = Math.min(oldest, frame.firstArrivalMs);
    if (nowMs - oldest < this.waitMs) return;
    if (this.wantedAtMs !== null && nowMs - this.wantedAtMs < this.waitMs) return;
    this.wantedAtMs = nowMs;
    this.events.keyframeWanted(this.chainEnd === null ? 'no keyframe yet' : `a frame after packet ${this.chainEnd & 0xffff} did not complete within ${this.waitMs} ms`);
  }
}
