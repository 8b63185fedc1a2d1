/**
 * A jitter-buffer model of one received audio stream, after WebRTC's NetEq (modules/audio_coding/neteq,
 * read at its 2023–2025 form). No audio is decoded: the model decides, packet by packet, when each one
 * would be played out, which frames a browser would conceal, and how long packets wait.
 *
 * - Relative delay (packet_arrival_history.cc): transit = arrival − RTP timestamp (unwrapped, in ms);
 *   a packet's relative delay is its transit minus the least transit of the in-order packets whose
 *   timestamps lie within 2 s of the newest (kPacketHistorySizeMs, decision_logic.cc), floored at 0.
 *   Reordered packets (not the newest timestamp) are measured but do not enter the min/max window;
 *   packets over 2 s older than the newest, and duplicates, are not measured.
 * - Target delay (delay_manager.cc/.h, underrun_optimizer.cc, histogram.cc, reorder_optimizer.cc): the
 *   largest relative delay of the in-order packets in each 500 ms goes into a histogram of 100 buckets of
 *   20 ms with forgetting factor 0.983 (start_forget_weight 2: the factor starts at 0 and rises as
 *   1 − 2/(n + 1), so the first minute averages everything); the target is (1 + the 0.95 quantile's
 *   bucket) × 20 ms, 80 ms (kStartDelayMs) until the first 500 ms have been seen. The reorder optimizer
 *   (on by default) keeps a second histogram, per packet, forgetting 0.9993: bucket 0 for an in-order
 *   packet, the relative delay's bucket for a reordered one, and takes the bucket minimising
 *   max(0, delay − underrun target) + 20 ms × (percent of reordered packets later than it); the target
 *   is the larger of the two, at most 75 % of 200 packets, never under one packet (ptime).
 * - Playout: every packet is due at its RTP timestamp + an offset O, one timeline that only time
 *   stretching, expansion and comfort noise move (as NetEq's sync buffer). D = O − the window's least
 *   transit is the buffer delay of the fastest packet: NetEq's playout delay (GetPlayoutDelayMs).
 *   Per played packet (decision_logic.cc ExpectedPacketAvailable): D < target → preemptive expand,
 *   +10 % of a frame; D ≥ high = target + the window's largest relative delay + 20 ms
 *   (kDelayAdjustmentGranularityMs) → accelerate, −10 % of a frame; D ≥ 4 × high → fast accelerate,
 *   −50 % of a frame. 10 %: decision_logic.h's kMinTimescaleInterval "sets maximum time-stretch rate to
 *   about 100 ms/s"; 50 %: accelerate.cc's fast mode removes up to 15 ms of each 30 ms.
 * - A packet that arrives after its due time, with nothing later in the buffer, is an underrun: NetEq
 *   expands until it arrives and plays it (the merge), so the wait is concealed — ceil(lateness / ptime)
 *   frames — and O moves by as many frames (D goes up at once); it counts as late, and its delays go into
 *   the means as a played packet's. A packet still missing when its due time passes while a later packet
 *   is buffered is lost: one frame concealed, the later one plays on time; if it turns up afterwards it
 *   is counted once, not again (it still feeds the delay statistics, as NetEq's do). A missing packet's
 *   due time is estimated from its neighbours' timestamps.
 * - Comfort noise (Opus DTX): a timestamp step over 1.5 packets between consecutive sequence numbers is
 *   a pause. A packet lost inside a pause is not concealed (NetEq keeps generating comfort noise); the
 *   packet that ends a pause brings D into [target/2, target + 50 ms] at once (FuturePacketAvailable,
 *   kTargetLevelWindowMs; PostponeDecode, kPostponeDecodingLevel) and, if late, is waited for with comfort
 *   noise, not concealment.
 * - Frames are counted by time from the first packet (Chromium's totalSamplesReceived counts output
 *   samples, comfort noise included), stopping 3 s after the last packet (a stream that left); after a
 *   longer silence the timeline restarts at the next packet, its losses concealing at most 3 s.
 *
 * Cost: per packet O(1) amortised (typed arrays, ring buffers, no allocation; about 18 KB a stream); the
 * reorder optimizer's cost scan stops where its histogram runs out, one bucket while nothing is reordered.
 * docs/voice-quality-playout.md lists the parameters with their NetEq origins, and what is simplified.
 */

export interface PlayoutModelOptions {
  ptimeMs: number;
  clockRateHz: number;
}

export interface PlayoutSecond {
  /** 20 ms (ptime) playout frames that elapsed for this stream in the second (time-based, as Chromium's totalSamplesReceived: silence/DTX included) */
  frames: number;
  /** frames that had to be concealed because their packet was lost or arrived after its playout deadline */
  concealed: number;
  /** packets expected (by sequence number) whose deadline fell in this second, and of them lost or late */
  packets: number;
  lostOrLate: number;
  /** runs of consecutive lost-or-late packets (by sequence order) that ended or were seen this second, for the E-model's burst ratio */
  lossRuns: number;
  /** mean over played packets of (playout deadline − sender's send time): network latency + buffer delay; undefined if none */
  playoutDelayMs: number | undefined;
  /** mean buffer delay (deadline − arrival) of played packets; undefined if none */
  bufferDelayMs: number | undefined;
  /** mean one-way network latency (arrival − send) of played packets */
  networkDelayMs: number | undefined;
}

// NetEq's parameters (modules/audio_coding/neteq).
const buckets = 100; // underrun_optimizer.cc kDelayBuckets
const bucketMs = 20; // kBucketSizeMs
const quantile = 0.95; // delay_manager.h Config::quantile
const forgetFactor = 0.983; // Config::forget_factor
const startForgetWeight = 2; // Config::start_forget_weight
const resampleIntervalMs = 500; // Config::resample_interval_ms
const reorderForgetFactor = 0.9993; // Config::reorder_forget_factor
const msPerLossPercent = 20; // Config::ms_per_loss_percent
const startDelayMs = 80; // delay_manager.cc kStartDelayMs
const maxPacketsInBuffer = 200; // Config::max_packets_in_buffer
const historyMs = 2000; // decision_logic.cc kPacketHistorySizeMs
const delayAdjustmentGranularityMs = 20; // decision_logic.cc kDelayAdjustmentGranularityMs
const cngHighMs = 100 / 2; // decision_logic.cc kTargetLevelWindowMs / 2
const postponeDecodingLevel = 0.5; // decision_logic.cc kPostponeDecodingLevel (50 %)
const timeStretchRate = 0.1; // decision_logic.h kMinTimescaleInterval: about 100 ms/s
const fastAccelerateRate = 0.5; // accelerate.cc fast mode: up to 15 ms of each 30 ms

// The model's own.
const farBehind = 1024;
const leftAfterMs = 3000;
/**
 * Packets kept by sequence number: those not yet played (a span over 5 s at 20 ms restarts the timeline)
 * and the latest played, so that a duplicate is known. Older ones are behind the playout: ignored anyway.
 */
const ring = 256;
const ringMask = ring - 1;
/** In-order packets in the 2 s window, more than enough at 10 ms (the oldest dropped if it is not). */
const windowCap = 256;
const windowMask = windowCap - 1;

// A sequence number's slot: which seq it holds and in what state.
const buffered = 1;
const played = 2;
const skipped = 3;
const skippedThenArrived = 4;

/** histogram.cc: a probability histogram updated with a forgetting factor, its scale kept apart so an update is O(1). */
class DelayHistogram {
  private readonly raw = new Float64Array(buckets);
  private scale = 1;
  private forget = 0;
  private adds = 0;

  /**
   * NetEq's buckets are Q30 integers truncated at each update: below about 2^-30 / (1 − f) a bucket stops
   * decaying geometrically, loses a unit per update and is empty soon after. Here a tail that small is 0.
   */
  private readonly negligible: number;

  constructor(private readonly baseForget: number) {
    this.negligible = 2 ** -30 / (1 - baseForget);
    // Histogram::Reset(): 0.5^(i + 1); the first update forgets it (the factor starts at 0).
    for (let i = 0, p = 0.5; i < buckets; i++, p /= 2) this.raw[i] = p;
  }

  add(index: number): void {
    const f = this.forget;
    if (f === 0) {
      this.raw.fill(0);
      this.scale = 1;
      this.raw[index] = 1;
    } else {
      // Every bucket × f, then + (1 − f) on this one: stored as raw × scale.
      this.scale *= f;
      this.raw[index] = this.raw[index]! + (1 - f) / this.scale;
      if (this.scale < 1e-200) {
        for (let i = 0; i < buckets; i++) this.raw[i] = this.raw[i]! * this.scale;
        this.scale = 1;
      }
    }
    this.adds++;
    if (f !== this.baseForget) this.forget = Math.min(this.baseForget, Math.max(0, 1 - startForgetWeight / (this.adds + 1)));
  }

  /** Histogram::Quantile(): the first bucket above which at most 1 − q of the mass lies. */
  quantile(q: number): number {
    const s = this.scale;
    let i = 0;
    let tail = 1 - this.raw[0]! * s;
    while (tail > 1 - q && i < buckets - 1) {
      i++;
      tail -= this.raw[i]! * s;
    }
    return i;
  }

  /** ReorderOptimizer::MinimizeCostFunction(): extra delay against 20 ms per percent of packets later than the bucket. */
  minimizeCost(baseDelayMs: number): number {
    const s = this.scale;
    let loss = 1;
    let best = 0;
    let bestCost = Infinity;
    for (let i = 0; i < buckets; i++) {
      loss -= this.raw[i]! * s;
      if (loss <= this.negligible) loss = 0;
      const cost = Math.max(0, i * bucketMs - baseDelayMs) + 100 * msPerLossPercent * loss;
      if (cost < bestCost) {
        bestCost = cost;
        best = i;
      }
      if (loss === 0) break;
    }
    return best;
  }
}

export class PlayoutModel {
  private readonly ptime: number;
  private readonly samplesPerMs: number;

  // Packets by sequence number.
  private readonly seqAt = new Float64Array(ring).fill(-1);
  private readonly state = new Uint8Array(ring);
  private readonly tsOf = new Float64Array(ring);
  private readonly arrivalOf = new Float64Array(ring);
  private readonly sentOf = new Float64Array(ring);

  private started = false;
  private anchor = true;
  /** Every sequence number up to this one is resolved (played or given up). */
  private resolved = 0;
  private highest = 0;
  /** Timestamp (ms) of the last resolved packet (estimated if it was lost) and of the last played one. */
  private lastTs = 0;
  private lastPlayedTs = 0;
  private lastPlayedSeq = 0;
  /** The last resolved packet was concealed (NetEq is expanding, not in comfort noise). */
  private expanding = false;
  /** The next buffered packet after a missing one, and whether the gap to it spans a pause. */
  private nextBuffered = -1;
  private gapIsPause = false;

  // RTP timestamp unwrapping.
  private lastRawTs = 0;
  private unwrapped = 0;

  // The 2 s window of in-order arrivals: least and largest transit (monotonic deques, in timestamp order).
  private readonly minTs = new Float64Array(windowCap);
  private readonly minTransit = new Float64Array(windowCap);
  private readonly maxTs = new Float64Array(windowCap);
  private readonly maxTransit = new Float64Array(windowCap);
  private minHead = 0;
  private minTail = 0;
  private maxHead = 0;
  private maxTail = 0;
  private newestTs = -Infinity;
  private measured = 0;

  // The delay manager.
  private readonly underrun = new DelayHistogram(forgetFactor);
  private readonly reorder = new DelayHistogram(reorderForgetFactor);
  private resampleStart = NaN;
  private maxInInterval = 0;
  private underrunTarget = startDelayMs;
  private target = startDelayMs;

  /** A packet is due at its timestamp (ms) + offset. */
  private offset = 0;

  // Time the stream has been active.
  private lastArrival = -Infinity;
  private countedUntil = 0;
  private countedMs = 0;
  private reportedFrames = 0;
  private concealBudget = Infinity;

  // This second's figures.
  private concealed = 0;
  private packets = 0;
  private lostOrLate = 0;
  private lossRuns = 0;
  private inRun = false;
  private runSeen = false;
  private playedCount = 0;
  private playoutSum = 0;
  private bufferSum = 0;
  private networkSum = 0;

  constructor(options: PlayoutModelOptions) {
    if (!(options.ptimeMs > 0) || !(options.clockRateHz > 0)) throw new Error('ptimeMs and clockRateHz must be positive');
    this.ptime = options.ptimeMs;
    this.samplesPerMs = options.clockRateHz / 1000;
  }

  get targetDelayMs(): number {
    return this.target;
  }

  packet(seq: number, rtpTimestamp: number, arrivalMs: number, sentAtMs: number): void {
    const raw = rtpTimestamp >>> 0;
    if (!this.started) {
      this.started = true;
      this.resolved = this.highest = seq - 1;
      this.lastRawTs = this.unwrapped = raw;
      this.countedUntil = this.lastArrival = arrivalMs;
    } else {
      if (seq < this.highest - farBehind) return;
      const slot = seq & ringMask;
      if (this.seqAt[slot] === seq) {
        // A duplicate, or the first copy of a packet already given up on: that one still feeds the statistics.
        if (this.state[slot] === skipped) {
          this.state[slot] = skippedThenArrived;
          this.measure(this.unwrap(raw), arrivalMs);
          if (arrivalMs > this.lastArrival) this.lastArrival = arrivalMs;
        }
        return;
      }
      if (seq <= this.resolved) return;
      const gap = arrivalMs - this.lastArrival > leftAfterMs;
      if (gap || seq - this.resolved >= ring) this.restart(seq, arrivalMs, gap);
    }

    const tsMs = this.unwrap(raw);
    this.measure(tsMs, arrivalMs);
    if (this.anchor) {
      this.anchor = false;
      this.offset = arrivalMs - tsMs + this.ptime;
      this.lastTs = this.lastPlayedTs = tsMs - this.ptime;
      this.lastPlayedSeq = seq - 1;
      this.expanding = false;
    }
    const slot = seq & ringMask;
    this.seqAt[slot] = seq;
    this.state[slot] = buffered;
    this.tsOf[slot] = tsMs;
    this.arrivalOf[slot] = arrivalMs;
    this.sentOf[slot] = sentAtMs;
    if (seq > this.highest) this.highest = seq;
    if (seq < this.nextBuffered) this.nextBuffered = -1;
    if (arrivalMs > this.lastArrival) this.lastArrival = arrivalMs;
    this.advance(arrivalMs, seq);
    this.concealBudget = Infinity;
  }

  takeSecond(nowMs: number): PlayoutSecond {
    if (this.started) {
      this.advance(nowMs, -1);
      this.countUntil(Math.min(nowMs, this.lastArrival + leftAfterMs));
    }
    const total = Math.floor(this.countedMs / this.ptime + 1e-9);
    const n = this.playedCount;
    const second: PlayoutSecond = {
      frames: total - this.reportedFrames,
      concealed: this.concealed,
      packets: this.packets,
      lostOrLate: this.lostOrLate,
      lossRuns: this.lossRuns,
      playoutDelayMs: n > 0 ? this.playoutSum / n : undefined,
      bufferDelayMs: n > 0 ? this.bufferSum / n : undefined,
      networkDelayMs: n > 0 ? this.networkSum / n : undefined,
    };
    this.reportedFrames = total;
    this.concealed = this.packets = this.lostOrLate = this.lossRuns = 0;
    this.playedCount = this.playoutSum = this.bufferSum = this.networkSum = 0;
    this.runSeen = false;
    return second;
  }

  private unwrap(raw: number): number {
    // The signed 32-bit step from the last timestamp: forward across a wrap, backward for a reordered packet.
    this.unwrapped += (raw - this.lastRawTs) | 0;
    this.lastRawTs = raw;
    return this.unwrapped / this.samplesPerMs;
  }

  private countUntil(ms: number): void {
    if (ms > this.countedUntil) {
      this.countedMs += ms - this.countedUntil;
      this.countedUntil = ms;
    }
  }

  private conceal(frames: number): void {
    const n = Math.min(frames, this.concealBudget);
    this.concealed += n;
    this.concealBudget -= n;
  }

  private lossSeen(): void {
    if (!this.inRun || !this.runSeen) this.lossRuns++;
    this.inRun = true;
    this.runSeen = true;
  }

  /** Nothing for over 3 s (a stream that left and came back), or a jump past the ring (no loss counted): a new timeline. */
  private restart(seq: number, arrivalMs: number, gap: boolean): void {
    if (gap) {
      this.countUntil(this.lastArrival + leftAfterMs);
      this.countedUntil = arrivalMs;
      // Frames stopped counting 3 s after the last packet: conceal no more than that.
      this.concealBudget = leftAfterMs / this.ptime;
    }
    this.advance(Infinity, -1);
    const missing = seq - this.highest - 1;
    if (gap && missing > 0) {
      this.packets += missing;
      this.lostOrLate += missing;
      this.lossSeen();
      this.conceal(missing);
    }
    this.resolved = this.highest = seq - 1;
    this.nextBuffered = -1;
    this.anchor = true;
    this.minHead = this.minTail = this.maxHead = this.maxTail = 0;
    this.newestTs = -Infinity;
    this.measured = 0;
  }

  /** PacketArrivalHistory::Insert and DelayManager::Update: the packet's relative delay, and the target. */
  private measure(tsMs: number, arrivalMs: number): void {
    const transit = arrivalMs - tsMs;
    if (tsMs + historyMs < this.newestTs) return;
    const reordered = tsMs < this.newestTs;
    if (!reordered) {
      this.newestTs = tsMs;
      while (this.minTail > this.minHead && this.minTs[this.minHead & windowMask]! + historyMs < tsMs) this.minHead++;
      while (this.maxTail > this.maxHead && this.maxTs[this.maxHead & windowMask]! + historyMs < tsMs) this.maxHead++;
      while (this.minTail > this.minHead && this.minTransit[(this.minTail - 1) & windowMask]! >= transit) this.minTail--;
      while (this.maxTail > this.maxHead && this.maxTransit[(this.maxTail - 1) & windowMask]! <= transit) this.maxTail--;
      if (this.minTail - this.minHead === windowCap) this.minHead++;
      if (this.maxTail - this.maxHead === windowCap) this.maxHead++;
      this.minTs[this.minTail & windowMask] = tsMs;
      this.minTransit[this.minTail++ & windowMask] = transit;
      this.maxTs[this.maxTail & windowMask] = tsMs;
      this.maxTransit[this.maxTail++ & windowMask] = transit;
    }
    if (++this.measured < 2) return;
    const relative = Math.max(0, transit - this.leastTransit());

    if (!reordered) {
      // UnderrunOptimizer: the largest delay of each 500 ms goes into the histogram.
      if (Number.isNaN(this.resampleStart)) this.resampleStart = arrivalMs;
      if (arrivalMs - this.resampleStart > resampleIntervalMs) {
        const index = Math.floor(this.maxInInterval / bucketMs);
        if (index < buckets) this.underrun.add(index);
        this.underrunTarget = (1 + this.underrun.quantile(quantile)) * bucketMs;
        this.resampleStart = arrivalMs;
        this.maxInInterval = 0;
      }
      if (relative > this.maxInInterval) this.maxInInterval = relative;
    }
    const index = reordered ? Math.floor(relative / bucketMs) : 0;
    if (index < buckets) this.reorder.add(index);
    const reorderTarget = (1 + this.reorder.minimizeCost(this.underrunTarget)) * bucketMs;
    const target = Math.min(Math.max(this.underrunTarget, reorderTarget), (3 * maxPacketsInBuffer * this.ptime) / 4);
    this.target = Math.max(target, this.ptime);
  }

  private leastTransit(): number {
    return this.minTransit[this.minHead & windowMask]!;
  }

  /** GetMaxDelayMs(): the largest relative delay in the window. */
  private largestDelay(): number {
    return Math.max(0, this.maxTransit[this.maxHead & windowMask]! - this.leastTransit());
  }

  /** Plays out up to time t: resolves, in sequence order, every packet due by then. `arrived` just came in. */
  private advance(t: number, arrived: number): void {
    const ptime = this.ptime;
    while (this.resolved < this.highest) {
      const seq = this.resolved + 1;
      const slot = seq & ringMask;
      if (this.seqAt[slot] === seq && this.state[slot] === buffered) {
        const ts = this.tsOf[slot]!;
        const arrival = this.arrivalOf[slot]!;
        const afterPause = !this.expanding && ts - this.lastTs > 1.5 * ptime;
        if (afterPause) {
          // Comfort noise ends: the delay is brought into [target/2, target + 50 ms], and a late packet waited for.
          const base = this.leastTransit();
          const d = Math.min(Math.max(this.offset - base, this.target * postponeDecodingLevel), this.target + cngHighMs);
          this.offset = Math.max(base + d, arrival - ts);
        }
        let due = ts + this.offset;
        if (due > t) break;
        let late = false;
        if (arrival > due) {
          if (seq === arrived) {
            // Underrun: expand until it arrives, then play it; the timeline moves by whole frames.
            const frames = Math.ceil((arrival - due) / ptime - 1e-9);
            this.conceal(frames);
            this.offset += frames * ptime;
            due += frames * ptime;
            late = true;
          } else {
            due = arrival;
          }
        }
        this.play(slot, ts, due, late, afterPause);
      } else {
        // Missing, with a later packet buffered (seq < highest): lost once its estimated due time passes.
        if (this.nextBuffered <= seq) this.findNextBuffered(seq);
        const next = this.nextBuffered;
        const estimatedTs = Math.min(this.lastTs + ptime, this.tsOf[next & ringMask]! - (next - seq) * ptime);
        if (estimatedTs + this.offset > t) break;
        this.seqAt[slot] = seq;
        this.state[slot] = skipped;
        this.packets++;
        this.lostOrLate++;
        this.lossSeen();
        if (!this.gapIsPause) {
          this.conceal(1);
          this.expanding = true;
        }
        this.lastTs = estimatedTs;
      }
      this.resolved = seq;
    }
  }

  private findNextBuffered(seq: number): void {
    let next = seq + 1;
    while (next < this.highest && !(this.seqAt[next & ringMask] === next && this.state[next & ringMask] === buffered)) next++;
    this.nextBuffered = next;
    this.gapIsPause = this.tsOf[next & ringMask]! - this.lastPlayedTs > (next - this.lastPlayedSeq + 0.5) * this.ptime;
  }

  private play(slot: number, ts: number, due: number, late: boolean, afterPause: boolean): void {
    const arrival = this.arrivalOf[slot]!;
    const sent = this.sentOf[slot]!;
    this.state[slot] = played;
    this.packets++;
    if (late) {
      this.lostOrLate++;
      this.lossSeen();
    } else {
      this.inRun = false;
    }
    this.playedCount++;
    this.playoutSum += due - sent;
    this.bufferSum += due - arrival;
    this.networkSum += arrival - sent;
    // Time stretching, once per played frame; not right after an expansion or at the end of a pause.
    if (!late && !afterPause && !this.expanding) {
      const d = this.offset - this.leastTransit();
      const high = this.target + this.largestDelay() + delayAdjustmentGranularityMs;
      if (d >= 4 * high) this.offset -= fastAccelerateRate * this.ptime;
      else if (d >= high) this.offset -= timeStretchRate * this.ptime;
      else if (d < this.target) this.offset += Math.min(timeStretchRate * this.ptime, this.target - d);
    }
    this.lastTs = this.lastPlayedTs = ts;
    this.lastPlayedSeq = this.seqAt[slot]!;
    this.expanding = false;
  }
}
