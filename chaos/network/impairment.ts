/**
 * One direction of one bot's traffic through the relay: decides, per datagram, whether it is
 * delivered, when, and how many times. Pure apart from the clock it is given, so a recorded packet
 * sequence can be replayed through it.
 *
 * Loss and duplication touch media (RTP) only, each decided by counter-based draws keyed by the
 * packet's stream and RTP timestamp (draws.ts): STUN, DTLS and RTCP, whose number and timing vary
 * from run to run, cannot shift which media packets are dropped. Control packets still take the
 * delay and the rate queue, and a blackhole drops everything.
 *
 * A traced profile is followed packet by packet: the row in effect is looked up by the packet's
 * arrival on the run's clock, so a change lands at its boundary, not when a message gets here.
 */
import { isTraced, type ImpairmentProfile, type NetworkProfile, type NetworkTrace } from '../../core/scenario/network-types.js';
import { traceAt } from '../../core/scenario/trace-timing.js';
import { keyOf, unitDraw } from './draws.js';
import { jitterMs } from './jitter.js';
import { isLost, type LossState } from './loss-model.js';
import { packetKind, rtpSsrc, rtpTimestamp } from './packet-kind.js';
import { RateQueue } from './rate-queue.js';

/** What becomes of one datagram: `copies` 0 (dropped), 1, or 2 (duplicated), all at `atMs`. */
export interface Delivery { copies: number; atMs: number }

interface Stream { key: number; name: string; loss: LossState }

/** A media packet the impairment dropped: its stream's name, its RTP timestamp, when (run ms), and why. */
export type DropListener = (stream: string, rtpTimestamp: number, runMs: number, cause: 'loss' | 'queue') => void;

// Independent draws per media packet: loss takes two (its state change in the Gilbert-Elliott model).
const lossDraws = 0;
const duplicateDraw = 2;
const jitterDraws = 3;

export class Impairment {
  private source: NetworkProfile | null = null;
  private profile: ImpairmentProfile | null = null;
  private rate: RateQueue | null = null;
  /** The traced profile's row in effect from `rowFromMs` until `rowUntilMs` (run time). */
  private trace: NetworkTrace | null = null;
  private rowFromMs = Number.POSITIVE_INFINITY;
  private rowUntilMs = Number.NEGATIVE_INFINITY;
  private lastDeliveryMs = Number.NEGATIVE_INFINITY;
  private readonly names = new Map<number, string>();
  private readonly streams = new Map<number, Stream>();
  /** Reused for every packet: the relay reads it at once. */
  private readonly delivery: Delivery = { copies: 0, atMs: 0 };
  /** Set when the run logs its drops (RTCSTORM_DROP_LOG, docs/traces-and-imports.md). */
  onDrop: DropListener | undefined;

  /**
   * `key`: this bot and direction under the run's seed (keyOf(seed, bot, direction)); `zeroMs`: the
   * run's 0 on the clock `decide` is given, where traces are timed from.
   */
  constructor(
    private readonly key: number,
    private readonly zeroMs = 0,
  ) {}

  setProfile(source: NetworkProfile | null): void {
    if (source === this.source) return;
    this.source = source;
    this.trace = source && isTraced(source) ? source.trace : null;
    this.rowFromMs = Number.POSITIVE_INFINITY;
    this.rowUntilMs = Number.NEGATIVE_INFINITY;
    this.use(this.trace ? null : (source as ImpairmentProfile | null), false);
  }

  /** `keepQueue`: a trace's next row changes the rate of the same bottleneck, whose backlog stays. */
  private use(profile: ImpairmentProfile | null, keepQueue: boolean): void {
    if (profile === this.profile) return;
    this.profile = profile;
    if (keepQueue && this.rate && profile?.rate) this.rate.setSpec(profile.rate);
    else this.rate = profile?.rate ? new RateQueue(profile.rate) : null;
    for (const stream of this.streams.values()) stream.loss.bad = false;
  }

  private follow(trace: NetworkTrace, nowMs: number): void {
    const runMs = nowMs - this.zeroMs;
    if (runMs >= this.rowFromMs && runMs < this.rowUntilMs) return;
    const row = traceAt(trace, runMs);
    this.rowFromMs = row.fromMs;
    this.rowUntilMs = row.untilMs;
    this.use(row.profile, true);
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
    if (this.trace) this.follow(this.trace, nowMs);
    const { profile, delivery } = this;
    delivery.atMs = nowMs;
    delivery.copies = blackholed || profile?.blackhole ? 0 : 1;
    if (delivery.copies === 0) return delivery;
    if (!profile) {
      // Just out of a delay (an impair step ended, a trace row changed): no packet overtakes one still held.
      if (this.lastDeliveryMs > nowMs) delivery.atMs = this.lastDeliveryMs;
      return delivery;
    }
    const media = packetKind(packet) === 'rtp';
    let draw: (n: number) => number = () => 0;
    let stream: Stream | undefined;
    if (media) {
      const found = this.stream(rtpSsrc(packet));
      const counter = rtpTimestamp(packet);
      stream = found;
      draw = (n) => unitDraw(found.key, counter, n);
      if (profile.loss && isLost(profile.loss, found.loss, (n) => draw(lossDraws + n))) {
        delivery.copies = 0;
        this.onDrop?.(found.name, counter, nowMs - this.zeroMs, 'loss');
        return delivery;
      }
      if (draw(duplicateDraw) < profile.duplicateRatio) delivery.copies = 2;
    }
    const leftMs = this.rate ? this.rate.enqueue(packet.length, nowMs, media) : nowMs;
    if (leftMs === undefined) {
      delivery.copies = 0;
      if (stream) this.onDrop?.(stream.name, rtpTimestamp(packet), nowMs - this.zeroMs, 'queue');
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
      const name = this.names.get(ssrc) ?? `ssrc-${ssrc}`;
      stream = { key: keyOf(this.key, name), name, loss: { bad: false } };
      this.streams.set(ssrc, stream);
    }
    return stream;
  }
}
