/**
 * Receive-side accounting shared by every engine: reads the stamp of each incoming payload, keeps
 * one ReceiveStats per sender, records one-way latency and media gaps, and moves per-second
 * counts and jitter into the store. With `playout`, each stream also goes through a jitter-buffer
 * model, and every second with speech in it is rated by the E-model (bots/voice: werift bots;
 * browsers have Chromium's own jitter buffer and report it).
 */
import { ReceiveStats } from '../core/metrics/media-stats.js';
import type { VoiceReceiver, VoiceReceiverOptions } from '../ports/media-plane.js';
import { burstRatio, mos, mouthToEarMs } from '../core/quality/e-model.js';
import { hostNowMs } from './clock.js';
import type { PayloadStamp } from './media-payload.js';
import { readOpusStamp } from './opus-stamp.js';
import { PlayoutModel, type PlayoutSecond } from './voice/playout-model.js';

export interface StreamReceiverOptions extends VoiceReceiverOptions {
  /** Called for every counted packet (e.g. to close an outage). */
  onMedia?: (arrivalMs: number) => void;
}

interface Stream {
  stats: ReceiveStats;
  playout: PlayoutModel | undefined;
  /** The last second's network delay, for a second whose packets were all lost. */
  networkDelayMs: number;
  /** The RTP stream it arrives on, when the caller says (-1: unknown): the target names streams that end by SSRC. */
  ssrc: number;
  /** The highest sequence number counted. */
  highestSeq: number;
}

/**
 * A second is rated when at least this share of its packet times carried a packet (expected by
 * sequence number): a listener judges speech, not the pauses of a P.59 talker, where DTX sends 2-3
 * packets a second and one lost comfort-noise update would read as 40% loss.
 */
const ratedShare = 0.5;

/** One stream's second of playout, as the playout model (or its C port) says. */
export type RatedSecond = Pick<PlayoutSecond, 'frames' | 'concealed' | 'packets' | 'lostOrLate' | 'lossRuns' | 'playoutDelayMs'>;

/**
 * What was concealed, the playout delay, and a MOS if the second carried speech, into the store:
 * the network delay is the stream's latest known, the buffer delay this second's (or the target).
 * Shared with the native plane's receiver, so both rate a second alike.
 */
export function rateSecond(options: VoiceReceiverOptions, second: RatedSecond, networkDelayMs: number, bufferDelayMs: number, atMs: number): void {
  const { store, group, room } = options;
  const ptimeMs = options.playout!.ptimeMs;
  if (second.frames > 0) {
    const concealed = Math.min(1, second.concealed / second.frames);
    store.record('audio_concealed_ratio', concealed, group, atMs);
    store.record('room_audio_concealed_ratio', concealed, room, atMs);
  }
  if (second.playoutDelayMs !== undefined) store.record('playout_delay_ms', second.playoutDelayMs, group, atMs);
  if (second.packets < (ratedShare * 1000) / ptimeMs) return;
  const score = mos({
    mouthToEarMs: mouthToEarMs(networkDelayMs, bufferDelayMs, ptimeMs),
    lossPercent: (100 * second.lostOrLate) / second.packets,
    burstRatio: burstRatio(second.lossRuns, second.lostOrLate, second.packets),
  });
  store.record('mos', score, group, atMs);
  store.record('room_mos', score, room, atMs);
}

/** A second's packet counts, over all of a receiver's streams, into the store. */
export function countSecond(options: VoiceReceiverOptions, received: number, expected: number, atMs: number): void {
  const { store, group, room } = options;
  if (expected > 0) {
    store.count('packets_expected', expected, group, atMs);
    store.count('room_packets_expected', expected, room, atMs);
  }
  if (received > 0) {
    store.count('packets_received', received, group, atMs);
    store.count('room_packets_received', received, room, atMs);
  }
}

export class StreamReceiver implements VoiceReceiver {
  private readonly streams = new Map<number, Stream>();
  /** Streams that ended (their sender left, or this participant did): sampled once more, then dropped. */
  private readonly retired: Stream[] = [];
  /** Per sender whose stream ended, its highest sequence number: later packets of that stream are stragglers. */
  private readonly endedAt = new Map<number, number>();
  private readonly stamp: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
  private latestArrivalMs = Number.NEGATIVE_INFINITY;
  private closed = false;
  private mediaListener: ((arrivalMs: number) => void) | undefined;

  constructor(private readonly options: StreamReceiverOptions) {}

  onceMedia(listener: (arrivalMs: number) => void): void {
    this.mediaListener = listener;
  }

  /** Latest arrival over all streams; -Infinity before the first packet. */
  get lastArrivalMs(): number {
    return this.latestArrivalMs;
  }

  /** One packet (or frame) as received at `arrivalMs` (else now), its payload at bytes[start, end), on RTP stream `ssrc` when known; payloads without a stamp are ignored. */
  onPayload(bytes: Uint8Array, rtpTimestamp: number, start = 0, end = bytes.length, ssrc = -1, arrivalMs?: number): void {
    if (readOpusStamp(bytes, this.stamp, start, end)) this.onStamp(this.stamp, rtpTimestamp, arrivalMs ?? hostNowMs(), ssrc);
  }

  /** One stamp read elsewhere (a browser page reads its frames' stamps and ships them here). */
  onStamp(stamp: PayloadStamp, rtpTimestamp: number, arrivalMs: number, ssrc = -1): void {
    const { options } = this;
    if (this.closed) return;
    let stream = this.streams.get(stamp.senderId);
    if (!stream) {
      const ended = this.endedAt.get(stamp.senderId);
      if (ended !== undefined && stamp.seq <= ended) return;
      const playout = options.playout && new PlayoutModel({ ptimeMs: options.playout.ptimeMs, clockRateHz: options.clockRateHz });
      stream = { stats: new ReceiveStats(options.clockRateHz), playout, networkDelayMs: 0, ssrc, highestSeq: stamp.seq };
      this.streams.set(stamp.senderId, stream);
    }
    if (ssrc >= 0) stream.ssrc = ssrc;
    const { stats } = stream;
    const previous = stats.lastArrivalMs;
    if (!stats.onPacket(stamp.seq, arrivalMs, rtpTimestamp)) return;
    if (stamp.seq > stream.highestSeq) stream.highestSeq = stamp.seq;
    stream.playout?.packet(stamp.seq, rtpTimestamp, arrivalMs, stamp.sentAtMs);
    options.store.record('e2e_latency_ms', arrivalMs - stamp.sentAtMs, options.group, arrivalMs);
    if (arrivalMs - previous > options.gapThresholdMs && Number.isFinite(previous)) {
      options.store.record('media_gap_ms', arrivalMs - previous, options.group, arrivalMs);
      options.store.count('room_media_gaps', 1, options.room, arrivalMs);
    }
    if (arrivalMs > this.latestArrivalMs) this.latestArrivalMs = arrivalMs;
    options.onMedia?.(arrivalMs);
    const listener = this.mediaListener;
    if (listener) {
      this.mediaListener = undefined;
      listener(arrivalMs);
    }
  }

  /**
   * The target says RTP stream `ssrc` ended (its sender left the room). If its sender comes back,
   * that is a new stream: the packets it did not send while away are not lost, and the time it was
   * away is not a media gap.
   */
  streamEnded(ssrc: number): void {
    for (const [senderId, stream] of this.streams) if (stream.ssrc === ssrc) this.retire(senderId, stream);
  }

  /** As streamEnded, for a receiver that knows streams by their sender, not their SSRC (a browser page's frames). */
  senderEnded(senderId: number): void {
    const stream = this.streams.get(senderId);
    if (stream) this.retire(senderId, stream);
  }

  /** This participant left the room (a churn leave, a reconnect): what it misses meanwhile is not lost. */
  endAll(): void {
    for (const [senderId, stream] of this.streams) this.retire(senderId, stream);
  }

  private retire(senderId: number, stream: Stream): void {
    this.streams.delete(senderId);
    this.retired.push(stream);
    this.endedAt.set(senderId, stream.highestSeq);
  }

  sampleSecond(atMs: number): void {
    const { store, group } = this.options;
    let received = 0;
    let expected = 0;
    const retired = this.retired.splice(0);
    for (const stream of [...this.streams.values(), ...retired]) {
      const { stats } = stream;
      const delta = stats.takeDelta();
      received += delta.received;
      expected += delta.expected;
      if (delta.received > 0) store.record('jitter_ms', stats.jitterMs, group, atMs);
      if (stream.playout) {
        const second = stream.playout.takeSecond(atMs);
        if (second.networkDelayMs !== undefined) stream.networkDelayMs = second.networkDelayMs;
        rateSecond(this.options, second, stream.networkDelayMs, second.bufferDelayMs ?? stream.playout.targetDelayMs, atMs);
      }
    }
    countSecond(this.options, received, expected, atMs);
  }

  close(): void {
    this.closed = true;
  }
}
