/**
 * A sender's congestion controller in the spirit of Google Congestion Control (draft-ietf-rmcat-gcc-02,
 * and libwebrtc's send-side estimator), fed by transport-wide feedback: which packets arrived, when.
 * - Delay-based: packets are grouped by send time (5 ms bursts); each group's delay variation is
 *   accumulated, smoothed, and its trend over the last 20 groups (a least-squares slope, as libwebrtc's
 *   TrendlineEstimator) is compared with an adaptive threshold: over it, the link is overused.
 * - The rate: on overuse, 85 % of what the receiver acknowledged lately; while normal, up by 8 % a
 *   second (multiplicative), or by about a packet per response time once near the rate of the last
 *   decrease; on underuse, held.
 * - Loss-based: over 10 % loss in a feedback interval, down by half the loss; under 2 %, up 5 %.
 * The target is the lower of the two. Simplified: no probing, no ALR, no pacer (the bot's frames are
 * its bursts); times are injected, so a test can run it on a simulated link.
 */

export interface CongestionOptions {
  startKbps: number;
  minKbps: number;
  maxKbps: number;
}

export interface PacketFeedback {
  wideSeq: number;
  /** On the receiver's clock; null when the packet was reported lost. */
  receivedAtMs: number | null;
}

interface SentPacket { sizeBytes: number; sentAtMs: number }

/** Sent packets awaiting feedback, by transport-wide sequence number (feedback older than this many packets never comes). */
const sentSlots = 4096;

interface PacketGroup { firstSentMs: number; lastSentMs: number; lastArrivalMs: number }

type Usage = 'normal' | 'over' | 'under';

const burstMs = 5;
const trendWindow = 20;
const smoothing = 0.9;
const trendGain = 4;
const thresholdUp = 0.0087;
const thresholdDown = 0.039;
const overuseForMs = 10;
const ackWindowMs = 500;

export class CongestionController {
  // Sent packets by wideSeq % sentSlots, in typed arrays: an object per packet, kept until its feedback, was much of a video bot's garbage.
  private readonly sentSeq = new Int32Array(sentSlots).fill(-1);
  private readonly sentBytes = new Float64Array(sentSlots);
  private readonly sentAt = new Float64Array(sentSlots);
  private delayKbps: number;
  private lossKbps: number;
  private readonly minKbps: number;
  private readonly maxKbps: number;

  private group: PacketGroup | null = null;
  private previousGroup: PacketGroup | null = null;
  private firstArrivalMs: number | null = null;
  private accumulatedDelay = 0;
  private smoothedDelay = 0;
  private readonly points: Array<{ x: number; y: number }> = [];
  private deltas = 0;
  private threshold = 12.5;
  private lastThresholdUpdateMs: number | null = null;
  private overuseStartMs: number | null = null;
  private previousTrend = 0;
  private usage: Usage = 'normal';

  private readonly acked = new AckWindow();
  private lastUpdateMs: number | null = null;
  private lastDecreaseKbps: number | null = null;
  private lastLossUpdateMs: number | null = null;

  constructor(options: CongestionOptions) {
    this.delayKbps = options.startKbps;
    this.lossKbps = options.startKbps;
    this.minKbps = options.minKbps;
    this.maxKbps = options.maxKbps;
  }

  /** The rate the encoder should aim for now. */
  get targetKbps(): number {
    return Math.min(this.delayKbps, this.lossKbps);
  }

  get state(): Usage {
    return this.usage;
  }

  onPacketSent(wideSeq: number, sizeBytes: number, sentAtMs: number): void {
    const seq = wideSeq & 0xffff;
    const k = seq % sentSlots;
    this.sentSeq[k] = seq;
    this.sentBytes[k] = sizeBytes;
    this.sentAt[k] = sentAtMs;
  }

  /** One transport-wide feedback message, at `nowMs` on the sender's clock. */
  onFeedback(results: readonly PacketFeedback[], nowMs: number): number {
    let lost = 0;
    let known = 0;
    const arrived: Array<SentPacket & { receivedAtMs: number }> = [];
    for (const result of results) {
      const seq = result.wideSeq & 0xffff;
      const k = seq % sentSlots;
      if (this.sentSeq[k] !== seq) continue;
      known++;
      this.sentSeq[k] = -1;
      if (result.receivedAtMs === null) lost++;
      else arrived.push({ sizeBytes: this.sentBytes[k]!, sentAtMs: this.sentAt[k]!, receivedAtMs: result.receivedAtMs });
    }
    arrived.sort((a, b) => a.sentAtMs - b.sentAtMs);
    for (const packet of arrived) this.addArrival(packet, nowMs);
    this.updateDelayBased(nowMs);
    if (known > 0) this.updateLossBased(lost / known, nowMs);
    return this.targetKbps;
  }

  private addArrival(packet: SentPacket & { receivedAtMs: number }, nowMs: number): void {
    this.acked.push(packet.receivedAtMs, packet.sizeBytes);
    const group = this.group;
    if (group && packet.sentAtMs - group.firstSentMs <= burstMs) {
      group.lastSentMs = Math.max(group.lastSentMs, packet.sentAtMs);
      group.lastArrivalMs = Math.max(group.lastArrivalMs, packet.receivedAtMs);
      return;
    }
    // A group is done when the next begins: its delay variation against the group before it.
    if (group && this.previousGroup) {
      const sendDelta = group.lastSentMs - this.previousGroup.lastSentMs;
      const arrivalDelta = group.lastArrivalMs - this.previousGroup.lastArrivalMs;
      this.trendline(arrivalDelta - sendDelta, group.lastArrivalMs, nowMs);
    }
    if (group) this.previousGroup = group;
    this.group = { firstSentMs: packet.sentAtMs, lastSentMs: packet.sentAtMs, lastArrivalMs: packet.receivedAtMs };
  }

  private trendline(delayVariationMs: number, arrivalMs: number, nowMs: number): void {
    this.firstArrivalMs ??= arrivalMs;
    this.deltas = Math.min(this.deltas + 1, 1000);
    this.accumulatedDelay += delayVariationMs;
    this.smoothedDelay = smoothing * this.smoothedDelay + (1 - smoothing) * this.accumulatedDelay;
    this.points.push({ x: arrivalMs - this.firstArrivalMs, y: this.smoothedDelay });
    if (this.points.length > trendWindow) this.points.shift();
    if (this.points.length < trendWindow) return;
    const trend = slope(this.points) * Math.min(this.deltas, 60) * trendGain;
    this.detect(trend, nowMs);
  }

  private detect(trend: number, nowMs: number): void {
    if (trend > this.threshold) {
      this.overuseStartMs ??= nowMs;
      if (nowMs - this.overuseStartMs >= overuseForMs && trend >= this.previousTrend) this.usage = 'over';
    } else if (trend < -this.threshold) {
      this.overuseStartMs = null;
      this.usage = 'under';
    } else {
      this.overuseStartMs = null;
      this.usage = 'normal';
    }
    this.previousTrend = trend;
    // The threshold follows the trend (faster down than up), so a queue of other flows does not starve this one.
    const elapsed = Math.min(100, nowMs - (this.lastThresholdUpdateMs ?? nowMs));
    this.lastThresholdUpdateMs = nowMs;
    if (Math.abs(trend) < this.threshold + 15) {
      const k = Math.abs(trend) < this.threshold ? thresholdDown : thresholdUp;
      this.threshold = Math.min(600, Math.max(6, this.threshold + k * (Math.abs(trend) - this.threshold) * elapsed));
    }
  }

  /** What the receiver acknowledged over the last `ackWindowMs` of arrivals, in kbps; null before there is enough. */
  private ackedKbps(): number | null {
    const { acked } = this;
    if (acked.size === 0) return null;
    const last = acked.lastAtMs;
    acked.dropBefore(last - ackWindowMs);
    const span = last - acked.firstAtMs;
    if (span < ackWindowMs / 2) return null;
    return (acked.bytes * 8) / span;
  }

  private updateDelayBased(nowMs: number): void {
    const elapsedS = Math.min(1, (nowMs - (this.lastUpdateMs ?? nowMs)) / 1000);
    this.lastUpdateMs = nowMs;
    const acked = this.ackedKbps();
    if (this.usage === 'over') {
      const basis = acked ?? this.delayKbps;
      if (basis * 0.85 < this.delayKbps) {
        this.delayKbps = basis * 0.85;
        this.lastDecreaseKbps = this.delayKbps;
      }
    } else if (this.usage === 'normal') {
      const nearConvergence = this.lastDecreaseKbps !== null && Math.abs(this.delayKbps - this.lastDecreaseKbps) < this.lastDecreaseKbps * 0.1;
      // Near the last decrease: about one 1200-byte packet per 100 ms response time, per second.
      this.delayKbps = nearConvergence ? this.delayKbps + elapsedS * ((1200 * 8) / 1000 / 0.1) : this.delayKbps * Math.pow(1.08, elapsedS);
      // Never run far ahead of what gets through.
      if (acked !== null) this.delayKbps = Math.min(this.delayKbps, 1.5 * acked + 10);
    }
    this.delayKbps = this.clamp(this.delayKbps);
  }

  private updateLossBased(loss: number, nowMs: number): void {
    // Loss is judged at most every 300 ms, as libwebrtc's loss-based estimator does.
    if (this.lastLossUpdateMs !== null && nowMs - this.lastLossUpdateMs < 300) return;
    this.lastLossUpdateMs = nowMs;
    if (loss > 0.1) this.lossKbps = this.targetKbps * (1 - 0.5 * loss);
    else if (loss < 0.02) this.lossKbps = Math.max(this.lossKbps, this.targetKbps) * 1.05;
    this.lossKbps = this.clamp(this.lossKbps);
  }

  private clamp(kbps: number): number {
    return Math.min(this.maxKbps, Math.max(this.minKbps, kbps));
  }
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - meanX) * (p.y - meanY);
    den += (p.x - meanX) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Acknowledged packets (arrival time, bytes) in arrival-report order, oldest dropped from the front: a growable ring, no object per packet. */
class AckWindow {
  private atMs = new Float64Array(256);
  private sizes = new Float64Array(256);
  private head = 0;
  private count = 0;
  private sum = 0;

  get size(): number {
    return this.count;
  }

  /** Sum of the bytes held. */
  get bytes(): number {
    return this.sum;
  }

  push(atMs: number, bytes: number): void {
    if (this.count === this.atMs.length) this.grow();
    const k = (this.head + this.count) % this.atMs.length;
    this.atMs[k] = atMs;
    this.sizes[k] = bytes;
    this.count++;
    this.sum += bytes;
  }

  get firstAtMs(): number {
    return this.atMs[this.head]!;
  }

  get lastAtMs(): number {
    return this.atMs[(this.head + this.count - 1) % this.atMs.length]!;
  }

  /** Drops from the front while the oldest arrived before `atMs`. */
  dropBefore(atMs: number): void {
    while (this.count > 0 && this.atMs[this.head]! < atMs) {
      this.sum -= this.sizes[this.head]!;
      this.head = (this.head + 1) % this.atMs.length;
      this.count--;
    }
  }

  private grow(): void {
    const n = this.atMs.length;
    const atMs = new Float64Array(2 * n);
    const sizes = new Float64Array(2 * n);
    for (let i = 0; i < this.count; i++) {
      atMs[i] = this.atMs[(this.head + i) % n]!;
      sizes[i] = this.sizes[(this.head + i) % n]!;
    }
    this.atMs = atMs;
    this.sizes = sizes;
    this.head = 0;
  }
}
