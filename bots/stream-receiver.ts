/**
 * Receive-side accounting shared by every engine: reads the stamp of each incoming payload, keeps
 * one ReceiveStats per sender, records one-way latency and media gaps, and moves per-second
 * counts and jitter into the store.
 */
import { ReceiveStats } from '../core/metrics/media-stats.js';
import type { MetricStore } from '../core/metrics/store.js';
import { hostNowMs } from './clock.js';
import { readStamp, type PayloadStamp } from './media-payload.js';

export interface StreamReceiverOptions {
  store: MetricStore;
  group: string;
  /** The plan's room, `room-<index>`: per-room counts for the report's worst rooms. */
  room: string;
  clockRateHz: number;
  /** A stream silent for longer than this, then back, records media_gap_ms. */
  gapThresholdMs: number;
  /** Called for every counted packet (e.g. to close an outage). */
  onMedia?: (arrivalMs: number) => void;
}

export class StreamReceiver {
  private readonly streams = new Map<number, ReceiveStats>();
  private readonly stamp: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
  private latestArrivalMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: StreamReceiverOptions) {}

  /** Latest arrival over all streams; -Infinity before the first packet. */
  get lastArrivalMs(): number {
    return this.latestArrivalMs;
  }

  /** One packet (or frame) as received, its payload at bytes[start, end); payloads without a stamp are ignored. */
  onPayload(bytes: Uint8Array, rtpTimestamp: number, start = 0, end = bytes.length): void {
    if (readStamp(bytes, this.stamp, start, end)) this.onStamp(this.stamp, rtpTimestamp, hostNowMs());
  }

  /** One stamp read elsewhere (a browser page reads its frames' stamps and ships them here). */
  onStamp(stamp: PayloadStamp, rtpTimestamp: number, arrivalMs: number): void {
    const { options } = this;
    let stats = this.streams.get(stamp.senderId);
    if (!stats) {
      stats = new ReceiveStats(options.clockRateHz);
      this.streams.set(stamp.senderId, stats);
    }
    const previous = stats.lastArrivalMs;
    if (!stats.onPacket(stamp.seq, arrivalMs, rtpTimestamp)) return;
    options.store.record('e2e_latency_ms', arrivalMs - stamp.sentAtMs, options.group, arrivalMs);
    if (arrivalMs - previous > options.gapThresholdMs && Number.isFinite(previous)) {
      options.store.record('media_gap_ms', arrivalMs - previous, options.group, arrivalMs);
      options.store.count('room_media_gaps', 1, options.room, arrivalMs);
    }
    if (arrivalMs > this.latestArrivalMs) this.latestArrivalMs = arrivalMs;
    options.onMedia?.(arrivalMs);
  }

  sampleSecond(atMs: number): void {
    const { store, group, room } = this.options;
    let received = 0;
    let expected = 0;
    for (const stats of this.streams.values()) {
      const delta = stats.takeDelta();
      received += delta.received;
      expected += delta.expected;
      if (delta.received > 0) store.record('jitter_ms', stats.jitterMs, group, atMs);
    }
    if (expected > 0) {
      store.count('packets_expected', expected, group, atMs);
      store.count('room_packets_expected', expected, room, atMs);
    }
    if (received > 0) {
      store.count('packets_received', received, group, atMs);
      store.count('room_packets_received', received, room, atMs);
    }
  }
}
