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

/** The history's arrays, one entry a slot; `capacity` a power of two, so that slots stay in sequence order across the 16-bit wrap. */
interface Slots {
  capacity: number;
  store: Buffer;
  seqOf: Int32Array;
  timestampOf: Float64Array;
  markerOf: Uint8Array;
  lengthOf: Uint32Array;
  sentAtOf: Float64Array;
  /** When it was last sent again (NaN: never); a packet is resent at most once per `minResendGapMs`, as libwebrtc does per RTT. */
  resentAtOf: Float64Array;
}

function slotsFor(packets: number, slotBytes: number): Slots {
  const capacity = 2 ** Math.ceil(Math.log2(Math.max(1, Math.min(packets, 0x10000))));
  return {
    capacity,
    store: Buffer.alloc(capacity * slotBytes),
    seqOf: new Int32Array(capacity).fill(-1),
    timestampOf: new Float64Array(capacity),
    markerOf: new Uint8Array(capacity),
    lengthOf: new Uint32Array(capacity),
    sentAtOf: new Float64Array(capacity),
    resentAtOf: new Float64Array(capacity),
  };
}

export class SendHistory {
  private slots: Slots;

  /** `capacity`: packets kept at least (rounded up to a power of two); `maxAgeMs`: older ones are not resent; `slotBytes`: the largest payload. */
  constructor(
    capacity: number,
    private readonly maxAgeMs: number,
    private readonly minResendGapMs: number,
    private readonly slotBytes = 1500,
  ) {
    this.slots = slotsFor(capacity, slotBytes);
  }

  /**
   * Room for a frame of `packets` packets before its first slot is taken: the views of one frame's
   * packets must not share a slot (a keyframe at a low frame rate can outgrow two seconds of packets).
   * Grows to twice that, keeping what it holds; views given out before then stay on the old buffer.
   */
  reserve(packets: number): void {
    const old = this.slots;
    if (2 * packets <= old.capacity) return;
    const slots = slotsFor(2 * packets, this.slotBytes);
    const { slotBytes } = this;
    for (let j = 0; j < old.capacity; j++) {
      const seq = old.seqOf[j]!;
      if (seq < 0) continue;
      const k = seq & (slots.capacity - 1);
      slots.seqOf[k] = seq;
      slots.timestampOf[k] = old.timestampOf[j]!;
      slots.markerOf[k] = old.markerOf[j]!;
      slots.lengthOf[k] = old.lengthOf[j]!;
      slots.sentAtOf[k] = old.sentAtOf[j]!;
      slots.resentAtOf[k] = old.resentAtOf[j]!;
      old.store.copy(slots.store, k * slotBytes, j * slotBytes, j * slotBytes + old.lengthOf[j]!);
    }
    this.slots = slots;
  }

  /**
   * Room for packet `seq`'s payload of `bytes` bytes, zeroed, for the caller to write: valid until
   * `capacity` more packets have been put (sequence numbers are 16-bit, the capacity divides 65536).
   */
  slot(seq: number, timestamp: number, marker: boolean, bytes: number, sentAtMs: number): Buffer {
    if (bytes > this.slotBytes) throw new RangeError(`a ${bytes}-byte payload does not fit a send history of ${this.slotBytes}-byte slots`);
    const slots = this.slots;
    const k = seq & (slots.capacity - 1);
    slots.seqOf[k] = seq;
    slots.timestampOf[k] = timestamp;
    slots.markerOf[k] = marker ? 1 : 0;
    slots.lengthOf[k] = bytes;
    slots.sentAtOf[k] = sentAtMs;
    slots.resentAtOf[k] = NaN;
    const at = k * this.slotBytes;
    return slots.store.fill(0, at, at + bytes).subarray(at, at + bytes);
  }

  /** The packet to send again for a NACK of `seq` at `nowMs`, or null: unknown, too old, or resent too recently. */
  resend(seq: number, nowMs: number): SentPacket | null {
    const slots = this.slots;
    const k = seq & (slots.capacity - 1);
    if (slots.seqOf[k] !== seq || nowMs - slots.sentAtOf[k]! > this.maxAgeMs) return null;
    const resentAt = slots.resentAtOf[k]!;
    if (!Number.isNaN(resentAt) && nowMs - resentAt < this.minResendGapMs) return null;
    slots.resentAtOf[k] = nowMs;
    const at = k * this.slotBytes;
    return { seq, timestamp: slots.timestampOf[k]!, marker: slots.markerOf[k] === 1, payload: slots.store.subarray(at, at + slots.lengthOf[k]!), sentAtMs: slots.sentAtOf[k]! };
  }
}
