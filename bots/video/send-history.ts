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
  private readonly store: Buffer;
  private readonly seqOf: Int32Array;
  private readonly timestampOf: Float64Array;
  private readonly markerOf: Uint8Array;
  private readonly lengthOf: Uint32Array;
  private readonly sentAtOf: Float64Array;
  /** When it was last sent again (NaN: never); a packet is resent at most once per `minResendGapMs`, as libwebrtc does per RTT. */
  private readonly resentAtOf: Float64Array;

  /** `capacity`: packets kept; `maxAgeMs`: older ones are not resent; `slotBytes`: the largest payload. */
  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs: number,
    private readonly minResendGapMs: number,
    private readonly slotBytes = 1500,
  ) {
    this.store = Buffer.alloc(capacity * slotBytes);
    this.seqOf = new Int32Array(capacity).fill(-1);
    this.timestampOf = new Float64Array(capacity);
    this.markerOf = new Uint8Array(capacity);
    this.lengthOf = new Uint32Array(capacity);
    this.sentAtOf = new Float64Array(capacity);
    this.resentAtOf = new Float64Array(capacity);
  }

  /**
   * Room for packet `seq`'s payload of `bytes` bytes, zeroed, for the caller to write: valid until
   * `capacity` more packets have been put.
   */
  slot(seq: number, timestamp: number, marker: boolean, bytes: number, sentAtMs: number): Buffer {
    if (bytes > this.slotBytes) throw new RangeError(`a ${bytes}-byte payload does not fit a send history of ${this.slotBytes}-byte slots`);
    const k = seq % this.capacity;
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
    const k = seq % this.capacity;
    if (this.seqOf[k] !== seq || nowMs - this.sentAtOf[k]! > this.maxAgeMs) return null;
    const resentAt = this.resentAtOf[k]!;
    if (!Number.isNaN(resentAt) && nowMs - resentAt < this.minResendGapMs) return null;
    this.resentAtOf[k] = nowMs;
    const at = k * this.slotBytes;
    return { seq, timestamp: this.timestampOf[k]!, marker: this.markerOf[k] === 1, payload: this.store.subarray(at, at + this.lengthOf[k]!), sentAtMs: this.sentAtOf[k]! };
  }
}
