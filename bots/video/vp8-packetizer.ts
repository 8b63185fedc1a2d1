/**
 * VP8 over RTP as RFC 7741 has it and browsers send it: every packet carries the payload descriptor
 * with a 15-bit picture id, TL0PICIDX and the temporal layer (0: one layer), so an SFU can switch
 * simulcast layers on it; a frame is split into packets of near equal size, the marker on the last.
 */

/** Bytes of the descriptor this packetizer writes: X, I|L|T, picture id (M=1, 15 bits), TL0PICIDX, TID|Y. */
export const vp8DescriptorBytes = 6;

export interface Vp8Picture {
  /** 15 bits, one more per frame. */
  pictureId: number;
  /** 8 bits, one more per frame of temporal layer 0. */
  tl0PicIdx: number;
}

/** Writes the descriptor of a frame's packet at `at`; `first`: the packet starts the frame (S=1, partition 0). */
export function writeVp8Descriptor(into: Buffer, at: number, first: boolean, picture: Vp8Picture): void {
  into[at] = 0x80 | (first ? 0x10 : 0);
  into[at + 1] = 0xe0;
  into[at + 2] = 0x80 | ((picture.pictureId >> 8) & 0x7f);
  into[at + 3] = picture.pictureId & 0xff;
  into[at + 4] = picture.tl0PicIdx & 0xff;
  // TID 0, Y=1: this frame depends only on layer-0 frames.
  into[at + 5] = 0x20;
}

/** How many bytes of the frame each packet takes: as few packets as fit, sizes within one byte of each other. */
export function vp8PacketSizes(frameBytes: number, maxPayloadBytes: number): number[] {
  const room = maxPayloadBytes - vp8DescriptorBytes;
  if (room < 1) throw new Error(`a VP8 packet needs more than ${vp8DescriptorBytes} bytes of payload (got ${maxPayloadBytes})`);
  const packets = Math.max(1, Math.ceil(frameBytes / room));
  const base = Math.floor(frameBytes / packets);
  const larger = frameBytes - base * packets;
  return Array.from({ length: packets }, (_, k) => base + (k < larger ? 1 : 0));
}

/** Where a packet of `bytes` bytes goes: zeroed, for the packetizer to write; `last` is the frame's last packet. */
export type PacketRoom = (index: number, bytes: number, last: boolean) => Buffer;

/**
 * The RTP payloads of one frame: `frame`, then zeros up to `length` bytes (a decoder reads a VP8
 * frame's partitions and leaves bytes after them alone, so a real encoder's frame can be sent at the
 * size a model of the target bitrate asks for). Each is written where `room` says (a sender's history);
 * by default all in one fresh buffer.
 */
export function vp8Payloads(frame: Buffer, length: number, maxPayloadBytes: number, picture: Vp8Picture, room?: PacketRoom): Buffer[] {
  const total = Math.max(length, frame.length);
  const sizes = vp8PacketSizes(total, maxPayloadBytes);
  let place = room;
  if (!place) {
    const all = Buffer.alloc(total + sizes.length * vp8DescriptorBytes);
    let at = 0;
    place = (_index, bytes) => all.subarray(at, (at += bytes));
  }
  let offset = 0;
  return sizes.map((bytes, k) => {
    const payload = place(k, vp8DescriptorBytes + bytes, k === sizes.length - 1);
    writeVp8Descriptor(payload, 0, k === 0, picture);
    if (offset < frame.length) frame.copy(payload, vp8DescriptorBytes, offset, Math.min(frame.length, offset + bytes));
    offset += bytes;
    return payload;
  });
}

/** What a receiver reads of a packet's descriptor: where the frame's bytes start, and whether the packet starts a frame. */
export interface Vp8PacketInfo {
  /** Bytes of the descriptor, so the frame's bytes are payload[headerBytes..]. */
  headerBytes: number;
  /** S=1 and partition 0: the packet starts a frame. */
  startsFrame: boolean;
  /** Only when startsFrame: the frame is a keyframe (the P bit of its frame tag). */
  keyframe: boolean;
  pictureId: number | null;
  tl0PicIdx: number | null;
  temporalLayer: number | null;
}

export function readVp8Descriptor(payload: Buffer): Vp8PacketInfo {
  if (payload.length < 1) throw new Error('an empty VP8 payload');
  const first = payload[0]!;
  let at = 1;
  let pictureId: number | null = null;
  let tl0PicIdx: number | null = null;
  let temporalLayer: number | null = null;
  if (first & 0x80) {
    const flags = payload[at++] ?? 0;
    if (flags & 0x80) {
      const high = payload[at++] ?? 0;
      pictureId = high & 0x80 ? ((high & 0x7f) << 8) | (payload[at++] ?? 0) : high & 0x7f;
    }
    if (flags & 0x40) tl0PicIdx = payload[at++] ?? 0;
    if (flags & 0x30) {
      const tid = payload[at++] ?? 0;
      if (flags & 0x20) temporalLayer = tid >> 6;
    }
  }
  if (at > payload.length) throw new Error(`a VP8 payload descriptor is cut off (${payload.length} bytes)`);
  const startsFrame = (first & 0x10) !== 0 && (first & 0x07) === 0;
  const keyframe = startsFrame && at < payload.length && (payload[at]! & 0x01) === 0;
  return { headerBytes: at, startsFrame, keyframe, pictureId, tl0PicIdx, temporalLayer };
}
