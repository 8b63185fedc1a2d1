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

/** Reads the stamp into `out` (no allocation per packet); false if the payload is not ours. */
export function readStamp(payload: Uint8Array, out: PayloadStamp): boolean {
  if (payload.length < payloadHeaderBytes) return false;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (view.getUint16(0) !== magic) return false;
  out.senderId = view.getUint32(2);
  out.seq = view.getUint32(6);
  out.sentAtMs = view.getFloat64(10);
  return true;
}
