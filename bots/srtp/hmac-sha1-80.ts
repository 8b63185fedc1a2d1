/**
 * SRTP's authentication tag, HMAC-SHA1 truncated to 80 bits (RFC 3711 §4.2.1), in JavaScript with
 * the SHA-1 states after the padded key blocks computed once per session, as libsrtp does: each
 * packet then costs the compression of its own bytes (two blocks for a voice packet) plus one block
 * for the outer hash, with no allocation and no call into native code. Node's crypto would hash both
 * 64-byte key blocks again for every packet and return two new buffers. Past `nativeFromBytes` (video
 * packets) the hashing itself dominates, and Node's native SHA-1 is the faster (docs/video.md).
 */
import { createHmac } from 'node:crypto';
import { maxPayloadBytes } from './aes-cm.js';

export const tagBytes = 10;
const blockBytes = 64;
/** RTP header with CSRCs and extensions, plus the payload: a whole datagram. */
const maxMessageBytes = maxPayloadBytes + 256;

/** From this message size on, Node's HMAC is faster than the JavaScript compression below. */
const nativeFromBytes = 800;

const initialState = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0] as const;

/** FIPS 180-4 SHA-1 compression of one 64-byte block at data[at] into `state`; `w` is scratch. */
function compress(state: Int32Array, data: Uint8Array, at: number, w: Int32Array): void {
  for (let i = 0; i < 16; i++, at += 4) w[i] = (data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!;
  // Four loops, one per round function, rather than a branch per round.
  for (let i = 0; i < 20; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i]!) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  for (let i = 20; i < 40; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]!) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  for (let i = 40; i < 60; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + w[i]!) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  for (let i = 60; i < 80; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + w[i]!) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
}

/** Writes SHA-1 padding for a message of `totalBytes` (key block included) ending at buf[end]; returns the padded end. */
function pad(buf: Uint8Array, end: number, totalBytes: number): number {
  buf[end++] = 0x80;
  while (end % blockBytes !== 56) buf[end++] = 0;
  const bits = totalBytes * 8;
  buf[end++] = 0;
  buf[end++] = 0;
  buf[end++] = 0;
  buf[end++] = (bits / 2 ** 32) & 0xff;
  buf[end++] = (bits >>> 24) & 0xff;
  buf[end++] = (bits >>> 16) & 0xff;
  buf[end++] = (bits >>> 8) & 0xff;
  buf[end++] = bits & 0xff;
  return end;
}

export class HmacSha1Tag {
  private readonly innerKeyState = new Int32Array(5);
  private readonly outerKeyState = new Int32Array(5);
  private readonly state = new Int32Array(5);
  private readonly w = new Int32Array(80);
  /** Message, ROC and padding; then the outer hash's one block. */
  private readonly scratch = new Uint8Array(maxMessageBytes + 4 + blockBytes + 8);
  private readonly outer = new Uint8Array(blockBytes);
  private readonly authKey: Uint8Array;
  private readonly rocBytes = Buffer.alloc(4);

  constructor(authKey: Uint8Array) {
    this.authKey = Uint8Array.from(authKey);
    if (authKey.length > blockBytes) throw new RangeError('SRTP auth key longer than one SHA-1 block');
    const block = new Uint8Array(blockBytes);
    for (const [state, xor] of [[this.innerKeyState, 0x36], [this.outerKeyState, 0x5c]] as const) {
      for (let i = 0; i < blockBytes; i++) block[i] = (authKey[i] ?? 0) ^ xor;
      state.set(initialState);
      compress(state, block, 0, this.w);
    }
    pad(this.outer, 20, blockBytes + 20);
  }

  /** HMAC of buf[start, end) followed by the 32-bit ROC, left in `state`. */
  private hmac(buf: Uint8Array, start: number, end: number, roc: number): Int32Array {
    const length = end - start;
    if (length > maxMessageBytes) throw new RangeError(`SRTP packet of ${length} bytes is over ${maxMessageBytes}`);
    const { scratch, state, w, outer } = this;
    scratch.set(buf.subarray(start, end));
    scratch[length] = roc >>> 24;
    scratch[length + 1] = (roc >>> 16) & 0xff;
    scratch[length + 2] = (roc >>> 8) & 0xff;
    scratch[length + 3] = roc & 0xff;
    const padded = pad(scratch, length + 4, blockBytes + length + 4);
    state.set(this.innerKeyState);
    for (let at = 0; at < padded; at += blockBytes) compress(state, scratch, at, w);
    for (let i = 0; i < 5; i++) {
      const v = state[i]!;
      outer[i * 4] = v >>> 24;
      outer[i * 4 + 1] = (v >>> 16) & 0xff;
      outer[i * 4 + 2] = (v >>> 8) & 0xff;
      outer[i * 4 + 3] = v & 0xff;
    }
    state.set(this.outerKeyState);
    compress(state, outer, 0, w);
    return state;
  }

  /** Node's HMAC of buf[start, end) and the ROC: for large packets. */
  private nativeTag(buf: Uint8Array, start: number, end: number, roc: number): Buffer {
    this.rocBytes.writeUInt32BE(roc >>> 0);
    return createHmac('sha1', this.authKey).update(buf.subarray(start, end)).update(this.rocBytes).digest();
  }

  /** Writes the tag of buf[start, end) at buf[end, end + 10). */
  sign(buf: Uint8Array, start: number, end: number, roc: number): void {
    if (end - start >= nativeFromBytes) {
      buf.set(this.nativeTag(buf, start, end, roc).subarray(0, tagBytes), end);
      return;
    }
    const state = this.hmac(buf, start, end, roc);
    for (let i = 0; i < tagBytes; i++) buf[end + i] = (state[i >>> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
  }

  /** Whether buf[end, end + 10) is the tag of buf[start, end). */
  verify(buf: Uint8Array, start: number, end: number, roc: number): boolean {
    if (end - start >= nativeFromBytes) {
      const tag = this.nativeTag(buf, start, end, roc);
      let diff = 0;
      for (let i = 0; i < tagBytes; i++) diff |= tag[i]! ^ buf[end + i]!;
      return diff === 0;
    }
    const state = this.hmac(buf, start, end, roc);
    let diff = 0;
    for (let i = 0; i < tagBytes; i++) diff |= ((state[i >>> 2]! >>> (24 - 8 * (i & 3))) & 0xff) ^ buf[end + i]!;
    return diff === 0;
  }
}
