/**
 * The stamp on encoded audio frames in browsers, in the same place werift bots put it: in the
 * Opus packet's padding (bots/opus-stamp.ts). A browser sender pads each frame Chromium encodes;
 * a browser receiver reads the stamp and gives the frame to the decoder as it is, since Opus
 * decoders skip padding: bots' real Opus speech is heard as sent.
 */
import type { PayloadStamp } from '../media-payload.js';
import { opusStampOverhead, readOpusStamp, writeStampedOpus } from '../opus-stamp.js';

/** Sender side: the frame as a padded Opus packet whose padding ends with the stamp. */
export function stampFrame(frame: ArrayBuffer, stamp: PayloadStamp): ArrayBuffer {
  const packet = new Uint8Array(frame);
  const out = new Uint8Array(packet.length + opusStampOverhead(packet));
  writeStampedOpus(packet, stamp, out);
  return out.buffer;
}

/** Receiver side: reads the stamp into `out`; false when the frame carries none. */
export function readFrameStamp(data: ArrayBuffer, out: PayloadStamp): boolean {
  return readOpusStamp(new Uint8Array(data), out);
}
