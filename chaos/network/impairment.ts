/**
 * One direction of one bot's traffic through the relay: decides, per datagram, whether it is
 * delivered, when, and how many times. Pure apart from the clock it is given, so a recorded packet
 * sequence can be replayed through it.
 *
 * Loss and duplication touch media (RTP) only, each decided by counter-based draws keyed by the
 * packet's stream and RTP timestamp (draws.ts): STUN, DTLS and RTCP, whose number and timing vary
 * from run to run, cannot shift which media packets are dropped. Control packets still take the
 * delay and the rate queue, and a blackhole drops everything.
 */
import type { ImpairmentProfile } from '../../core/scenario/network-types.js';
import { keyOf, unitDraw } from './draws.js';
import { jitterMs } from './jitter.js';
import { isLost, type LossState } from './loss-model.js';
import { packetKind, rtpSsrc, rtpTimestamp } from './packet-kind.js';
import { RateQueue } from './rate-queue.js';

/** What becomes of one datagram: `copies` 0 (dropped), 1, or 2 (duplicated), all at `atMs`. */
export interface Delivery { copies: number; atMs: number }

interface Stream { key: number; loss: LossState }

// Independent draws per media packet: loss takes two (its state change in the Gilbert-Elliott model).
const lossDraws = 0;
const duplicateDraw = 2;
const jitterDraws = 3;

export class Impairment {
  private profile: ImpairmentProfile | null = null;
  private rate: RateQueue | null = null;
  private lastDeliveryMs = Number.NEGATIVE_INFINITY;
  private readonly names = new Map<number, string>();
  private readonly streams = new Map<number, Stream>();
  /** Reused for every packet: the relay reads it at once. */
  private readonly delivery: Delivery = { copies: 0, atMs: 0 };

  /** `key`: this bot and direction under the run's seed (keyOf(seed, bot, direction)). */
  constructor(private readonly key: number) {}

  setProfile(profile: ImpairmentProfile | null): void {
    if (profile === this.profile) return;
    this.profile = profile;
    this.rate = profile?.rate ? new RateQueue(profile.rate) : null;
    for (const stream of this.streams.values()) stream.loss.bad = false;
  }

  /**
   * Names the stream an SSRC carries (e.g. its sender's peer id): SSRCs are random per run, names
   * are not, so draws keyed by the name repeat in every run.
   */
  nameStream(ssrc: number, name: string): void {
    this.names.set(ssrc, name);
    this.streams.delete(ssrc);
  }

  /** Decides one datagram arriving at `nowMs`; `blackholed` when a partition cuts its path. */
  decide(packet: Uint8Array, nowMs: number, blackholed = false): Delivery {
    const { profile, delivery } = this;
    delivery.atMs = nowMs;
    delivery.copies = blackholed || profile?.blackhole ? 0 : 1;
    if (!profile || delivery.copies === 0) return delivery;
    const media = packetKind(packet) === 'rtp';
    let draw: (n: number) => number = () => 0;
    if (media) {
      const stream = this.stream(rtpSsrc(packet));
      const counter = rtpTimestamp(packet);
      draw = (n) => unitDraw(stream.key, counter, n);
      if (profile.loss && isLost(profile.loss, stream.loss, (n) => draw(lossDraws + n))) {
        delivery.copies = 0;
        return delivery;
      }
      if (draw(duplicateDraw) < profile.duplicateRatio) delivery.copies = 2;
    }
    const leftMs = this.rate ? this.rate.enqueue(packet.length, nowMs, media) : nowMs;
    if (leftMs === undefined) {
      delivery.copies = 0;
      return delivery;
    }
    const jitter = media && profile.jitter ? jitterMs(profile.jitter, draw(jitterDraws), draw(jitterDraws + 1)) : 0;
    let atMs = leftMs + Math.max(0, profile.delayMs + jitter);
    if (!profile.jitter?.reorder) atMs = Math.max(atMs, this.lastDeliveryMs);
    this.lastDeliveryMs = Math.max(this.lastDeliveryMs, atMs);
    delivery.atMs = atMs;
    return delivery;
  }

  private stream(ssrc: number): Stream {
    let stream = this.streams.get(ssrc);
    if (!stream) {
      stream = { key: keyOf(this.key, this.names.get(ssrc) ?? `ssrc-${ssrc}`), loss: { bad: false } };
      this.streams.set(ssrc, stream);
    }
    return stream;
  }
}
