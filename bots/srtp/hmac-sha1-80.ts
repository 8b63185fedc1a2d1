/**
 * SRTP's authentication tag, HMAC-SHA1 truncated to 80 bits (RFC 3711 §4.2.1), computed as
 * SHA1(K⊕opad ‖ SHA1(K⊕ipad ‖ message ‖ ROC)) with both padded keys prepared once per session and
 * Node's one-shot crypto.hash: no Hmac object per packet, and the message is copied into a buffer
 * kept between packets.
 */
import { hash } from 'node:crypto';
import { maxPayloadBytes } from './aes-cm.js';

export const tagBytes = 10;
const blockBytes = 64;
const digestBytes = 20;
/** RTP header with CSRCs and extensions, plus the payload: a whole datagram. */
const maxMessageBytes = maxPayloadBytes + 256;

export class HmacSha1Tag {
  private readonly inner = Buffer.alloc(blockBytes + maxMessageBytes + 4);
  private readonly outer = Buffer.alloc(blockBytes + digestBytes);
  /** Views of `inner` by message length: packets come in a few sizes, and a view per hash would be an allocation. */
  private readonly innerViews: Buffer[] = [];

  constructor(authKey: Buffer) {
    if (authKey.length > blockBytes) throw new RangeError('SRTP auth key longer than one SHA-1 block');
    for (let i = 0; i < blockBytes; i++) {
      const k = authKey[i] ?? 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /** The 20-byte HMAC of buf[start, end) followed by the 32-bit ROC; the tag is its first 10 bytes. */
  digest(buf: Uint8Array, start: number, end: number, roc: number): Buffer {
    const length = end - start;
    if (length > maxMessageBytes) throw new RangeError(`SRTP packet of ${length} bytes is over ${maxMessageBytes}`);
    const { inner, outer } = this;
    for (let i = 0; i < length; i++) inner[blockBytes + i] = buf[start + i]!;
    inner.writeUInt32BE(roc >>> 0, blockBytes + length);
    const view = (this.innerViews[length] ??= inner.subarray(0, blockBytes + length + 4));
    const innerDigest = hash('sha1', view, 'buffer');
    for (let i = 0; i < digestBytes; i++) outer[blockBytes + i] = innerDigest[i]!;
    return hash('sha1', outer, 'buffer');
  }

  /** Writes the tag of buf[start, end) at buf[end, end + 10). */
  sign(buf: Uint8Array, start: number, end: number, roc: number): void {
    const digest = this.digest(buf, start, end, roc);
    for (let i = 0; i < tagBytes; i++) buf[end + i] = digest[i]!;
  }

  /** Whether buf[end, end + 10) is the tag of buf[start, end). */
  verify(buf: Uint8Array, start: number, end: number, roc: number): boolean {
    const expected = this.digest(buf, start, end, roc);
    let diff = 0;
    for (let i = 0; i < tagBytes; i++) diff |= expected[i]! ^ buf[end + i]!;
    return diff === 0;
  }
}
