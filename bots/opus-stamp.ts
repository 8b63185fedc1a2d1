/**
 * The stamp (media-payload.ts) carried in Opus's own packet padding (RFC 6716 §3.2.5), so every
 * packet stays a valid Opus packet: a decoder skips padding, a forwarding SFU keeps the payload.
 * Any Opus packet becomes a code 3 packet with the padding flag set and the 18-byte stamp as the
 * last bytes of its padding: 20 bytes more than the encoder's packet (2 for a packet already code 3).
 * Plain Uint8Array code: the browser page bundle stamps Chromium's encoded frames with it too.
 */
import { payloadHeaderBytes, readStamp, writeStamp, type PayloadStamp } from './media-payload.js';

const paddingFlag = 0x40;
const vbrFlag = 0x80;

/** The length of an RFC 6716 padding length field for `padding` bytes (255 means 254 more and another byte). */
function paddingFieldBytes(padding: number): number {
  return padding <= 254 ? 1 : 1 + Math.ceil((padding - 254) / 254);
}

function writePaddingField(out: Uint8Array, at: number, padding: number): number {
  let n = padding;
  while (n > 254) {
    out[at++] = 255;
    n -= 254;
  }
  out[at++] = n;
  return at;
}

interface CodeThreeView {
  /** The frame count byte, padding flag set. */
  countByte: number;
  /** Padding the packet already has. */
  padding: number;
  /** Where what follows the padding length field starts (frame lengths or frames, and the old padding at the end). */
  restAt: number;
}

/** How `packet` reads as code 3; null if it is not an Opus packet this can pad (empty, malformed). */
function asCodeThree(packet: Uint8Array): CodeThreeView | null {
  if (packet.length < 1) return null;
  const code = packet[0]! & 3;
  if (code === 0) return { countByte: paddingFlag | 1, padding: 0, restAt: 1 };
  if (code === 1) return { countByte: paddingFlag | 2, padding: 0, restAt: 1 };
  if (code === 2) return { countByte: vbrFlag | paddingFlag | 2, padding: 0, restAt: 1 };
  if (packet.length < 2) return null;
  const count = packet[1]!;
  if (!(count & paddingFlag)) return { countByte: count | paddingFlag, padding: 0, restAt: 2 };
  let padding = 0;
  let at = 2;
  for (;;) {
    if (at >= packet.length) return null;
    const b = packet[at++]!;
    padding += b === 255 ? 254 : b;
    if (b !== 255) break;
  }
  return { countByte: count, padding, restAt: at };
}

/** An empty Opus frame (CELT fullband, 20 ms: the decoder conceals it): `filler` packets are this, padded to size. */
export const emptyOpusFrame = Uint8Array.of(0xf8);

/** Bytes stamping adds to `packet` (with `extraPadding` zero bytes before the stamp); throws if it is no Opus packet. */
export function opusStampOverhead(packet: Uint8Array, extraPadding = 0): number {
  const view = asCodeThree(packet);
  if (!view) throw new RangeError('not an Opus packet: empty or a malformed code 3 header');
  return 2 + paddingFieldBytes(view.padding + extraPadding + payloadHeaderBytes) - view.restAt + extraPadding + payloadHeaderBytes;
}

/** Writes `packet` with the stamp into out[0, packet.length + opusStampOverhead(packet, extraPadding)); returns the length. */
export function writeStampedOpus(packet: Uint8Array, stamp: PayloadStamp, out: Uint8Array, extraPadding = 0): number {
  const view = asCodeThree(packet);
  if (!view) throw new RangeError('not an Opus packet: empty or a malformed code 3 header');
  out[0] = packet[0]! | 3;
  out[1] = view.countByte;
  let at = writePaddingField(out, 2, view.padding + extraPadding + payloadHeaderBytes);
  out.set(packet.subarray(view.restAt), at);
  at += packet.length - view.restAt;
  out.fill(0, at, at + extraPadding);
  at += extraPadding;
  writeStamp(out.subarray(at, at + payloadHeaderBytes), stamp);
  return at + payloadHeaderBytes;
}

/** Reads the stamp of a stamped Opus payload at bytes[start, end) into `out`; false if it carries none. */
export function readOpusStamp(bytes: Uint8Array, out: PayloadStamp, start = 0, end = bytes.length): boolean {
  if (end - start < 3 + payloadHeaderBytes || (bytes[start]! & 3) !== 3 || !(bytes[start + 1]! & paddingFlag)) return false;
  return readStamp(bytes, out, end - payloadHeaderBytes, end);
}
