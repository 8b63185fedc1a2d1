/**
 * The stamp on encoded audio frames in browsers (bots/media-payload.ts's format and code): a
 * browser sender puts it in front of each Opus frame, so werift bots read it at payload offset 0
 * as they read each other's; a browser receiver takes it off again before the decoder.
 */
import { payloadHeaderBytes, readStamp, writeStamp, type PayloadStamp } from '../media-payload.js';

/**
 * A valid Opus packet of 20 ms silence: TOC 0xf8 (CELT fullband, 20 ms, mono, one frame) and a
 * frame that decodes to silence. Bots send 20 ms packets by default; for other packet times the
 * decoder conceals the rest, which the browser's concealment metrics then show.
 */
export const opusSilence = Uint8Array.of(0xf8, 0xff, 0xfe);

/** Sender side: the stamp, then the encoded frame. */
export function stampFrame(frame: ArrayBuffer, stamp: PayloadStamp): ArrayBuffer {
  const out = new Uint8Array(payloadHeaderBytes + frame.byteLength);
  writeStamp(out, stamp);
  out.set(new Uint8Array(frame), payloadHeaderBytes);
  return out.buffer;
}

/**
 * Receiver side: reads the stamp into `out` and returns what the decoder gets instead: the Opus
 * frame behind the stamp (browser senders), or Opus silence when only zeros follow (werift bots
 * send the stamp and zero filler, which is no Opus). undefined when the frame carries no stamp.
 */
export function unstampFrame(data: ArrayBuffer, out: PayloadStamp): ArrayBuffer | undefined {
  const bytes = new Uint8Array(data);
  if (!readStamp(bytes, out)) return undefined;
  const rest = bytes.subarray(payloadHeaderBytes);
  return (rest.every((b) => b === 0) ? opusSilence : rest).slice().buffer;
}
