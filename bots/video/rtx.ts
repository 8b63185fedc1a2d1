/** Retransmission as RFC 4588 has it: an RTX packet's payload is the original's sequence number, then its payload. */

export function rtxPayload(originalSeq: number, payload: Buffer): Buffer {
  const rtx = Buffer.allocUnsafe(2 + payload.length);
  rtx.writeUInt16BE(originalSeq & 0xffff, 0);
  payload.copy(rtx, 2);
  return rtx;
}

export function originalOfRtx(rtx: Buffer): { seq: number; payload: Buffer } {
  if (rtx.length < 2) throw new Error(`an RTX payload has at least 2 bytes (got ${rtx.length})`);
  return { seq: rtx.readUInt16BE(0), payload: rtx.subarray(2) };
}
