/**
 * A bot's voice receiver counted in C (native/voice_account.c): the native plane counts each stamped
 * packet it drains into the bot's account, with no JavaScript per packet, and this takes the account's
 * second into the store once a second, rated by the same code as bots/stream-receiver.ts. The account
 * is the receiver's, not a connection's: after a failover the new connection counts into it.
 */
import { scaleOf } from '../../core/metrics/histogram.js';
import type { VoiceReceiver, VoiceReceiverOptions } from '../../ports/media-plane.js';
import { hostNowMs } from '../clock.js';
import type { PayloadStamp } from '../media-payload.js';
import { readOpusStamp } from '../opus-stamp.js';
import { countSecond, rateSecond } from '../stream-receiver.js';
import type { NativeMediaAddon } from './native-addon.js';

/** voice_account.h's row per stream. */
const row = { received: 0, expected: 1, jitterMs: 2, hasPlayout: 3, frames: 4, concealed: 5, packets: 6, lostOrLate: 7, lossRuns: 8, playoutDelayMs: 9, bufferDelayMs: 10, networkDelayMs: 11 } as const;
const rowFields = 12;
const latencyScale = scaleOf('e2e_latency_ms');

/** One scratch for every receiver of the process: a second's take is read before the next. */
let scratch = new Float64Array(1 << 16);

export class NativeVoiceReceiver implements VoiceReceiver {
  readonly account: number;
  /** The latest arrival when the account was closed (the account itself knows it until then). */
  private closedLastArrivalMs = Number.NEGATIVE_INFINITY;
  private mediaListener: ((arrivalMs: number) => void) | undefined;
  private readonly stamp: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
  private closed = false;

  constructor(
    private readonly addon: NativeMediaAddon,
    private readonly options: VoiceReceiverOptions,
  ) {
    this.account = addon.account(options.playout?.ptimeMs ?? 0, options.clockRateHz, options.gapThresholdMs, options.store.startMs);
  }

  get lastArrivalMs(): number {
    return this.closed ? this.closedLastArrivalMs : this.addon.accountLastArrival(this.account);
  }

  onceMedia(listener: (arrivalMs: number) => void): void {
    if (this.closed) return;
    this.mediaListener = listener;
    this.addon.accountWatch(this.account, true);
  }

  /** A packet JavaScript received (werift's path, before the plane takes the socket): counted in the same account. */
  onPayload(bytes: Uint8Array, rtpTimestamp: number, start = 0, end = bytes.length, ssrc = -1, arrivalMs?: number): void {
    if (this.closed || !readOpusStamp(bytes, this.stamp, start, end)) return;
    const arrival = arrivalMs ?? hostNowMs();
    const { senderId, seq, sentAtMs } = this.stamp;
    if (this.addon.accountPacket(this.account, senderId, seq, sentAtMs, rtpTimestamp, arrival, ssrc) && this.mediaListener) {
      this.addon.accountWatch(this.account, false);
      this.heard(arrival);
    }
  }

  /** The first packet counted since onceMedia (the plane counted it, or onPayload did). */
  heard(arrivalMs: number): void {
    const listener = this.mediaListener;
    this.mediaListener = undefined;
    listener?.(arrivalMs);
  }

  streamEnded(ssrc: number): void {
    if (!this.closed && ssrc >= 0) this.addon.accountEnd(this.account, ssrc);
  }

  endAll(): void {
    if (!this.closed) this.addon.accountEnd(this.account, -1);
  }

  sampleSecond(atMs: number): void {
    if (this.closed) return;
    let n = this.addon.accountTake(this.account, atMs, scratch);
    if (n < 0) {
      scratch = new Float64Array(-n * 2);
      n = this.addon.accountTake(this.account, atMs, scratch);
    }
    const { store, group, room } = this.options;
    const out = scratch;
    let at = 0;
    let received = 0;
    let expected = 0;
    const streams = out[at++]!;
    for (let i = 0; i < streams; i++, at += rowFields) {
      received += out[at + row.received]!;
      expected += out[at + row.expected]!;
      if (out[at + row.received]! > 0) store.record('jitter_ms', out[at + row.jitterMs]!, group, atMs);
      if (out[at + row.hasPlayout]) {
        const playoutDelayMs = out[at + row.playoutDelayMs]!;
        const second = {
          frames: out[at + row.frames]!,
          concealed: out[at + row.concealed]!,
          packets: out[at + row.packets]!,
          lostOrLate: out[at + row.lostOrLate]!,
          lossRuns: out[at + row.lossRuns]!,
          playoutDelayMs: Number.isNaN(playoutDelayMs) ? undefined : playoutDelayMs,
        };
        rateSecond(this.options, second, out[at + row.networkDelayMs]!, out[at + row.bufferDelayMs]!, atMs);
      }
    }
    countSecond(this.options, received, expected, atMs);
    // e2e latency by the second its packets arrived, at HDR's equivalent value: the same histogram as a record per packet.
    const cells = out[at++]!;
    for (let i = 0; i < cells; i++, at += 3) {
      store.recordMany('e2e_latency_ms', out[at + 1]! / latencyScale, out[at + 2]!, group, store.startMs + out[at]! * 1000 + 500);
    }
    const gaps = out[at++]!;
    for (let i = 0; i < gaps; i++, at += 2) {
      const arrivalMs = out[at + 1]!;
      store.record('media_gap_ms', out[at]!, group, arrivalMs);
      store.count('room_media_gaps', 1, room, arrivalMs);
    }
    if (at !== n) throw new Error(`native voice account: read ${at} of ${n} doubles`);
  }

  close(): void {
    if (this.closed) return;
    this.closedLastArrivalMs = this.addon.accountLastArrival(this.account);
    this.closed = true;
    this.mediaListener = undefined;
    this.addon.closeAccount(this.account);
  }
}
