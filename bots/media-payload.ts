/**
 * What every synthetic media packet carries inside its RTP payload, so receivers can measure
 * latency, loss and jitter per sender. mediasoup forwards payloads untouched.
 *
 *   0  u16 magic 0x5254 ("RT")
 *   2  u32 sender id (global bot index)
 *   6  u32 sequence number (per sender, +1 per packet)
 *  10  f64 send time, host clock ms (clock.ts)
 *  18  zero filler up to the size the bitrate asks for
 */
export const payloadHeaderBytes = 18;
const magic = 0x5254;

export interface PayloadStamp { senderId: number; seq: number; sentAtMs: number }

/** Bytes per packet for a bitrate and packet time; never smaller than the header. */
export function payloadBytes(bitrateKbps: number, ptimeMs: number): number {
  return Math.max(payloadHeaderBytes, Math.round((bitrateKbps * ptimeMs) / 8));
}

/** Plain Uint8Array (no Buffer), so the browser page bundle stamps with this same code. */
export function writeStamp(payload: Uint8Array, stamp: PayloadStamp): void {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  view.setUint16(0, magic);
  view.setUint32(2, stamp.senderId >>> 0);
  view.setUint32(6, stamp.seq >>> 0);
  view.setFloat64(10, stamp.sentAtMs);
}

/** Big-endian float64 read through a scratch buffer: a DataView per packet would be an allocation. */
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readUint32(p: Uint8Array, at: number): number {
  return ((p[at]! << 24) | (p[at + 1]! << 16) | (p[at + 2]! << 8) | p[at + 3]!) >>> 0;
}

/** Reads the stamp at bytes[start, end) into `out` (no allocation per packet); false if the payload is not ours. */
export function readStamp(bytes: Uint8Array, out: PayloadStamp, start = 0, end = bytes.length): boolean {
  if (end - start < payloadHeaderBytes || ((bytes[start]! << 8) | bytes[start + 1]!) !== magic) return false;
  out.senderId = readUint32(bytes, start + 2);
  out.seq = readUint32(bytes, start + 6);
  for (let i = 0; i < 8; i++) scratchBytes[littleEndian ? 7 - i : i] = bytes[start + 10 + i]!;
  out.sentAtMs = scratch[0]!;
  return true;
}
