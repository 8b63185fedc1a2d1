/**
 * SRTP key derivation (RFC 3711 §4.3) for AES_CM_128_HMAC_SHA1_80, with a key derivation rate
 * of 0 as WebRTC uses it: each session key is AES-CM keystream under the master key, at an IV made
 * of the master salt XOR a label. Done once per DTLS handshake, so clarity over speed here.
 */
import { createCipheriv } from 'node:crypto';

export const masterKeyBytes = 16;
export const masterSaltBytes = 14;
const authKeyBytes = 20;

export interface SessionKeys {
  /** AES-128 key for the payload keystream. */
  cipherKey: Buffer;
  /** 112-bit salt mixed into every keystream IV. */
  salt: Buffer;
  /** HMAC-SHA1 key for the authentication tag. */
  authKey: Buffer;
}

/** RTP and RTCP each have their own three labels. */
const labels = { rtp: { cipher: 0, auth: 1, salt: 2 }, rtcp: { cipher: 3, auth: 4, salt: 5 } } as const;

function keystream(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const blocks = Math.ceil(length / 16);
  const counters = Buffer.alloc(blocks * 16);
  for (let block = 0; block < blocks; block++) {
    const at = block * 16;
    masterSalt.copy(counters, at);
    // The label sits at bit 48 of the 112-bit key id: byte 7 of the salt.
    counters[at + 7]! ^= label;
    counters.writeUInt16BE(block, at + 14);
  }
  const cipher = createCipheriv('aes-128-ecb', masterKey, null).setAutoPadding(false);
  return Buffer.concat([cipher.update(counters), cipher.final()]).subarray(0, length);
}

export function deriveSessionKeys(masterKey: Buffer, masterSalt: Buffer, kind: 'rtp' | 'rtcp'): SessionKeys {
  if (masterKey.length !== masterKeyBytes) throw new RangeError(`SRTP master key must be ${masterKeyBytes} bytes, got ${masterKey.length}`);
  if (masterSalt.length !== masterSaltBytes) throw new RangeError(`SRTP master salt must be ${masterSaltBytes} bytes, got ${masterSalt.length}`);
  const label = labels[kind];
  return {
    cipherKey: keystream(masterKey, masterSalt, label.cipher, 16),
    salt: keystream(masterKey, masterSalt, label.salt, masterSaltBytes),
    authKey: keystream(masterKey, masterSalt, label.auth, authKeyBytes),
  };
}
