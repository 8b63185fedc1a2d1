/**
 * Per-stream receive accounting, run for every media packet a bot receives: no allocation per packet.
 *
 * Sequence numbers are the sender's own 32-bit counter from the payload (strictly increasing, any
 * start, no wrap within a run), not RTP's 16-bit one. Choices:
 * - expected = highest − lowest + 1 over accepted packets. A packet older than the first one seen
 *   (reordered at the start) lowers "lowest", so it is expected and received rather than driving
 *   lost below 0.
 * - Duplicates are detected with a bitmap of the last `reorderWindow` sequence numbers and ignored
 *   entirely (not received again, no jitter update).
 * - A packet `reorderWindow` or more behind the highest is ignored: it can't be told apart from a
 *   duplicate, and at 50 packets/s it is 20 s late, i.e. lost for real-time audio anyway.
 * - Jitter follows RFC 3550 §6.4.1 in arrival order (reordered packets included, as the RFC does),
 *   with RTP timestamp differences taken modulo 2^32 since RTP timestamps start at random values
 *   and can wrap during a run.
 */

const WINDOW = 1024; // power of two: slots are seq & (WINDOW - 1)
const MASK = WINDOW - 1;

export class ReceiveStats {
  static readonly reorderWindow = WINDOW;

  readonly #unitsPerMs: number;
  readonly #seen = new Uint32Array(WINDOW / 32);
  #received = 0;
  #lowest = 0;
  #highest = 0;
  #jitterUnits = 0;
  #prevArrivalMs = 0;
  #prevRtp = 0;
  #lastArrivalMs = -Infinity;
  #takenReceived = 0;
  #takenExpected = 0;

  constructor(clockRateHz: number) {
    if (!(Number.isFinite(clockRateHz) && clockRateHz > 0)) throw new RangeError(`invalid clock rate ${clockRateHz}`);
    this.#unitsPerMs = clockRateHz / 1000;
  }

  /**
   * Counts one arrival; false for a duplicate or a packet older than the window, which the caller
   * must not count anywhere else either (werift can deliver a packet to two track subscriptions).
   */
  onPacket(seq: number, arrivalMs: number, rtpTimestamp: number): boolean {
    this.#lastArrivalMs = arrivalMs;
    if (this.#received === 0) {
      this.#lowest = seq;
      this.#highest = seq;
    } else if (seq > this.#highest) {
      this.#advanceTo(seq);
    } else {
      if (this.#highest - seq >= WINDOW || this.#isSeen(seq)) return false;
      if (seq < this.#lowest) this.#lowest = seq;
    }
    this.#markSeen(seq);
    if (this.#received > 0) this.#updateJitter(arrivalMs, rtpTimestamp);
    this.#received++;
    this.#prevArrivalMs = arrivalMs;
    this.#prevRtp = rtpTimestamp;
    return true;
  }

  get received(): number {
    return this.#received;
  }

  get expected(): number {
    return this.#received === 0 ? 0 : this.#highest - this.#lowest + 1;
  }

  /** Never negative: every counted packet is distinct and within [lowest, highest]. */
  get lost(): number {
    return this.expected - this.#received;
  }

  get jitterMs(): number {
    return this.#jitterUnits / this.#unitsPerMs;
  }

  /** -Infinity before the first packet, so `now - lastArrivalMs` flags a silent stream as stale. Duplicates count: they prove the path is alive. */
  get lastArrivalMs(): number {
    return this.#lastArrivalMs;
  }

  takeDelta(): { received: number; expected: number } {
    const received = this.#received - this.#takenReceived;
    const expected = this.expected - this.#takenExpected;
    this.#takenReceived = this.#received;
    this.#takenExpected = this.expected;
    return { received, expected };
  }

  #updateJitter(arrivalMs: number, rtpTimestamp: number): void {
    const rtpDelta = (rtpTimestamp - this.#prevRtp) | 0; // signed, modulo 2^32
    const d = (arrivalMs - this.#prevArrivalMs) * this.#unitsPerMs - rtpDelta;
    this.#jitterUnits += (Math.abs(d) - this.#jitterUnits) / 16;
  }

  /** Slots of the sequence numbers entering the window are those of the ones leaving it: clear them. */
  #advanceTo(seq: number): void {
    if (seq - this.#highest >= WINDOW) this.#seen.fill(0);
    else for (let s = this.#highest + 1; s < seq; s++) this.#clear(s);
    this.#highest = seq;
  }

  #isSeen(seq: number): boolean {
    const slot = seq & MASK;
    return ((this.#seen[slot >>> 5] ?? 0) & (1 << (slot & 31))) !== 0;
  }

  #markSeen(seq: number): void {
    const slot = seq & MASK;
    this.#seen[slot >>> 5]! |= 1 << (slot & 31);
  }

  #clear(seq: number): void {
    const slot = seq & MASK;
    this.#seen[slot >>> 5]! &= ~(1 << (slot & 31));
  }
}
