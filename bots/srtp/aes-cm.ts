/**
 * AES counter mode as SRTP defines it (RFC 3711 §4.1.1), with one AES-ECB cipher object per session
 * key for its whole life: the keystream is the ECB encryption of the counter blocks, written into a
 * buffer kept between packets. Node offers no way to re-key an aes-128-ctr cipher with a new IV,
 * and creating one per packet costs more than the rest of the packet's crypto together.
 */
import { createCipheriv, type Cipher } from 'node:crypto';

/** Largest payload a keystream is made for: a UDP datagram on loopback never carries more. */
export const maxPayloadBytes = 1500;
const maxBlocks = Math.ceil(maxPayloadBytes / 16);

export class AesCmKeystream {
  private readonly ecb: Cipher;
  private readonly counters = Buffer.alloc(maxBlocks * 16);
  /** Views of `counters` by block count, made once: a view per packet would be an allocation. */
  private readonly views: Buffer[] = [];

  constructor(cipherKey: Buffer, private readonly salt: Buffer) {
    this.ecb = createCipheriv('aes-128-ecb', cipherKey, null).setAutoPadding(false);
    // The last two bytes of each block count blocks within one packet; they never change.
    for (let block = 0; block < maxBlocks; block++) this.counters.writeUInt16BE(block, block * 16 + 14);
  }

  /**
   * XORs the keystream for packet index (roc, seq) of `ssrc` into buf[start, end): encrypts and
   * decrypts alike. IV = salt·2^16 ⊕ ssrc·2^64 ⊕ (roc·2^16 + seq)·2^16.
   */
  apply(buf: Uint8Array, start: number, end: number, ssrc: number, roc: number, seq: number): void {
    const length = end - start;
    if (length <= 0) return;
    if (length > maxPayloadBytes) throw new RangeError(`SRTP payload of ${length} bytes is over ${maxPayloadBytes}`);
    const { counters, salt } = this;
    const blocks = (length + 15) >>> 4;
    // Bytes 0-13 of every block: the salt, with ssrc at 4-7, roc at 8-11 and seq at 12-13 mixed in.
    const b4 = salt[4]! ^ (ssrc >>> 24), b5 = salt[5]! ^ ((ssrc >>> 16) & 0xff), b6 = salt[6]! ^ ((ssrc >>> 8) & 0xff), b7 = salt[7]! ^ (ssrc & 0xff);
    const b8 = salt[8]! ^ (roc >>> 24), b9 = salt[9]! ^ ((roc >>> 16) & 0xff), b10 = salt[10]! ^ ((roc >>> 8) & 0xff), b11 = salt[11]! ^ (roc & 0xff);
    const b12 = salt[12]! ^ (seq >>> 8), b13 = salt[13]! ^ (seq & 0xff);
    for (let block = 0, at = 0; block < blocks; block++, at += 16) {
      counters[at] = salt[0]!;
      counters[at + 1] = salt[1]!;
      counters[at + 2] = salt[2]!;
      counters[at + 3] = salt[3]!;
      counters[at + 4] = b4;
      counters[at + 5] = b5;
      counters[at + 6] = b6;
      counters[at + 7] = b7;
      counters[at + 8] = b8;
      counters[at + 9] = b9;
      counters[at + 10] = b10;
      counters[at + 11] = b11;
      counters[at + 12] = b12;
      counters[at + 13] = b13;
    }
    const stream = this.ecb.update((this.views[blocks] ??= counters.subarray(0, blocks * 16)));
    for (let i = 0; i < length; i++) buf[start + i]! ^= stream[i]!;
  }
}
