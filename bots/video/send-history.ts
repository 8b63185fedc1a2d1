/**
 * The packets a video stream sent lately, by sequence number, so a NACK can be answered with RTX.
 * Payloads are kept in one buffer of fixed slots and the rest in typed arrays: a history holds about
 * two seconds of packets, long enough for objects to outlive the young generation, and a video bot's
 * garbage collection was a quarter of its CPU while each packet was an object of its own.
 */

export interface SentPacket {
  seq: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
  sentAtMs: number;
}

export class SendHistory {
  /** A power of two, so that slots stay in sequence order across the 16-bit sequence number's wrap. */
  private capacity: number;
  private store: Buffer;
  private seqOf: Int32Array;
  private timestampOf: Float64Array;
  private markerOf: Uint8Array;
  private lengthOf: Uint32Array;
  private sentAtOf: Float64Array;
  /** When it was last sent again (NaN: never); a packet is resent at most once per `minResendGapMs`, as libwebrtc does per RTT. */
  private resentAtOf: Float64Array;

  /** `capacity`: packets kept at least (rounded up to a power of two); `maxAgeMs`: older ones are not resent; `slotBytes`: the largest payload. */
  constructor(
    capacity: number,
    private readonly maxAgeMs: number,
    private readonly minResendGapMs: number,
    private readonly slotBytes = 1500,
  ) {
    this.capacity = 2 ** Math.ceil(Math.log2(Math.max(1, Math.min(capacity, 0x10000))));
    this.store = Buffer.alloc(this.capacity * slotBytes);
    this.seqOf = new Int32Array(this.capacity).fill(-1);
    this.timestampOf = new Float64Array(this.capacity);
    this.markerOf = new Uint8Array(this.capacity);
    this.lengthOf = new Uint32Array(this.capacity);
    this.sentAtOf = new Float64Array(this.capacity);
    this.resentAtOf = new Float64Array(this.capacity);
  }

  /**
   * Room for a frame of `packets` packets before its first slot is taken: the views of one frame's
   * packets must not share a slot (a keyframe at a low frame rate can outgrow two seconds of packets).
   * Grows to twice that, keeping what it holds; views given out before then stay on the old buffer.
   */
  reserve(packets: number): void {
    if (2 * packets <= this.capacity) return;
    const old = { capacity: this.capacity, store: this.store, seqOf: this.seqOf, timestampOf: this.timestampOf, markerOf: this.markerOf, lengthOf: this.lengthOf, sentAtOf: this.sentAtOf, resentAtOf: this.resentAtOf };
    this.capacity = 2 ** Math.ceil(Math.log2(Math.min(2 * packets, 0x10000)));
    this.store = Buffer.alloc(this.capacity * this.slotBytes);
    this.seqOf = new Int32Array(this.capacity).fill(-1);
    this.timestampOf = new Float64Array(this.capacity);
    this.markerOf = new Uint8Array(this.capacity);
    this.lengthOf = new Uint32Array(this.capacity);
    this.sentAtOf = new Float64Array(this.capacity);
    this.resentAtOf = new Float64Array(this.capacity);
    for (let j = 0; j < old.capacity; j++) {
      const seq = old.seqOf[j]!;
      if (seq < 0) continue;
      const k = seq & (this.capacity - 1);
      this.seqOf[k] = seq;
      this.timestampOf[k] = old.timestampOf[j]!;
      this.markerOf[k] = old.markerOf[j]!;
      this.lengthOf[k] = old.lengthOf[j]!;
      this.sentAtOf[k] = old.sentAtOf[j]!;
      this.resentAtOf[k] = old.resentAtOf[j]!;
      old.store.copy(this.store, k * this.slotBytes, j * this.slotBytes, j * this.slotBytes + old.lengthOf[j]!);
    }
  }

  /**
   * Room for packet `seq`'s payload of `bytes` bytes, zeroed, for the caller to write: valid until
   * `capacity` more packets have been put (sequence numbers are 16-bit, the capacity divides 65536).
   */
  slot(seq: number, timestamp: number, marker: boolean, bytes: number, sentAtMs: number): Buffer {
    if (bytes > this.slotBytes) throw new RangeError(`a ${bytes}-byte payload does not fit a send history of ${this.slotBytes}-byte slots`);
    const k = seq & (this.capacity - 1);
    this.seqOf[k] = seq;
    this.timestampOf[k] = timestamp;
    this.markerOf[k] = marker ? 1 : 0;
    this.lengthOf[k] = bytes;
    this.sentAtOf[k] = sentAtMs;
    this.resentAtOf[k] = NaN;
    const at = k * this.slotBytes;
    return this.store.fill(0, at, at + bytes).subarray(at, at + bytes);
  }

  /** A copy of `packet`'s payload kept for its sequence number. */
  put(packet: SentPacket): void {
    const { seq, timestamp, marker, payload, sentAtMs } = packet;
    payload.copy(this.slot(seq, timestamp, marker, payload.length, sentAtMs));
  }

  /** The packet to send again for a NACK of `seq` at `nowMs`, or null: unknown, too old, or resent too recently. */
  resend(seq: number, nowMs: number): SentPacket | null {
    const k = seq & (this.capacity - 1);
    if (this.seqOf[k] !== seq || nowMs - this.sentAtOf[k]! > this.maxAgeMs) return null;
    const resentAt = this.resentAtOf[k]!;
    if (!Number.isNaN(resentAt) && nowMs - resentAt < this.minResendGapMs) return null;
    this.resentAtOf[k] = nowMs;
    const at = k * this.slotBytes;
    return { seq, timestamp: this.timestampOf[k]!, marker: this.markerOf[k] === 1, payload: this.store.subarray(at, at + this.lengthOf[k]!), sentAtMs: this.sentAtOf[k]! };
  }
}
