/**
 * Counter-based random draws: a uniform number computed from (key, counter, salt) alone, with no
 * state in between. The relay keys media packets by (seed, bot, direction, stream) and counts them
 * by RTP timestamp, which werift and mediasoup carry through unchanged; so the same scenario and
 * seed decide the same way about the same packet in every run, whatever else arrived in between.
 */

/** murmur3's 32-bit finalizer: every input bit affects every output bit. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit key for a list of numbers and strings (FNV-1a over their text, then mixed). */
export function keyOf(...parts: Array<number | string>): number {
  let h = 0x811c9dc5;
  for (const char of parts.join('\u0000')) h = Math.imul(h ^ char.charCodeAt(0), 0x01000193);
  return mix32(h);
}

/** Uniform in [0, 1). Distinct salts give independent draws for the same packet (loss, jitter, …). */
export function unitDraw(key: number, counter: number, salt: number): number {
  const c = mix32((counter + Math.imul(salt, 0x9e3779b9)) >>> 0);
  return mix32((key ^ c) + Math.imul(salt + 1, 0x7feb352d)) / 4294967296;
}
