/** The packets a video stream sent lately, by sequence number, so a NACK can be answered with RTX. */

export interface SentPacket {
  seq: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
  sentAtMs: number;
  /** When it was last sent again; a packet is resent at most once per `minResendGapMs`, as libwebrtc does per RTT. */
  resentAtMs: number | null;
}

export class SendHistory {
  private readonly slots: Array<SentPacket | undefined>;

  /** `capacity`: packets kept (a power of two is not needed); `maxAgeMs`: older ones are not resent. */
  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs: number,
    private readonly minResendGapMs: number,
  ) {
    this.slots = new Array<SentPacket | undefined>(capacity);
  }

  put(packet: Omit<SentPacket, 'resentAtMs'>): void {
    const { seq, timestamp, marker, payload, sentAtMs } = packet;
    this.slots[seq % this.capacity] = { seq, timestamp, marker, payload, sentAtMs, resentAtMs: null };
  }

  /** The packet to send again for a NACK of `seq` at `nowMs`, or null: unknown, too old, or resent too recently. */
  resend(seq: number, nowMs: number): SentPacket | null {
    const packet = this.slots[seq % this.capacity];
    if (!packet || packet.seq !== seq || nowMs - packet.sentAtMs > this.maxAgeMs) return null;
    if (packet.resentAtMs !== null && nowMs - packet.resentAtMs < this.minResendGapMs) return null;
    packet.resentAtMs = nowMs;
    return packet;
  }
}
