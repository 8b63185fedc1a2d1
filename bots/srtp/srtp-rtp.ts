/**
 * SRTP for RTP packets with AES_CM_128_HMAC_SHA1_80 (RFC 3711), protecting and unprotecting in
 * place: the packet buffer is the only one a packet needs. The sender keeps the rollover counter
 * of its one SSRC; the receiver estimates each sender's (§3.3.1), committing it only for packets
 * that authenticate.
 */
import { AesCmKeystream } from './aes-cm.js';
import { HmacSha1Tag, tagBytes } from './hmac-sha1-80.js';
import type { SessionKeys } from './session-keys.js';

export const rtpHeaderBytes = 12;
/** A header with one transport-wide sequence number: RFC 8285's one-byte form, 2 bytes of data and a pad byte. */
export const wideSeqHeaderBytes = rtpHeaderBytes + 8;
/** A header with one audio level (RFC 6464) in RFC 8285's one-byte form: 1 byte of data and 2 pad bytes. */
export const audioLevelHeaderBytes = rtpHeaderBytes + 8;
export { tagBytes as srtpTagBytes };

export interface RtpFields { payloadType: number; seq: number; timestamp: number; ssrc: number; marker: boolean }

/** A fixed 12-byte header: version 2, no padding, extension or CSRCs. */
export function writeRtpHeader(buf: Buffer, fields: RtpFields): void {
  buf[0] = 0x80;
  buf[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  buf.writeUInt16BE(fields.seq & 0xffff, 2);
  buf.writeUInt32BE(fields.timestamp >>> 0, 4);
  buf.writeUInt32BE(fields.ssrc >>> 0, 8);
}

/**
 * The 12-byte header followed by a transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions)
 * in extension `id`, the header wideSeqHeaderBytes long.
 */
export function writeRtpHeaderWithWideSeq(buf: Buffer, fields: RtpFields, id: number, wideSeq: number): void {
  writeRtpHeader(buf, fields);
  buf[0] = 0x90;
  buf.writeUInt16BE(0xbede, 12);
  buf.writeUInt16BE(1, 14);
  buf[16] = (id << 4) | 1;
  buf.writeUInt16BE(wideSeq & 0xffff, 17);
  buf[19] = 0;
}

/** The 12-byte header followed by an audio level (RFC 6464: `level` in -dBov, 0-127, and the voice activity bit) in extension `id`. */
export function writeRtpHeaderWithAudioLevel(buf: Buffer, fields: RtpFields, id: number, level: number, voice: boolean): void {
  writeRtpHeader(buf, fields);
  buf[0] = 0x90;
  buf.writeUInt16BE(0xbede, 12);
  buf.writeUInt16BE(1, 14);
  buf[16] = id << 4;
  buf[17] = (voice ? 0x80 : 0) | (level & 0x7f);
  buf[18] = 0;
  buf[19] = 0;
}

/** The value of one-byte header extension `id` as a 16-bit number, or -1; `start`, `end`: the extension's data (RFC 8285). */
function oneByteExtension16(buf: Buffer, start: number, end: number, id: number): number {
  let i = start;
  while (i < end) {
    const byte = buf[i]!;
    if (byte === 0) {
      i++;
      continue;
    }
    const extId = byte >>> 4;
    if (extId === 15) return -1;
    const length = (byte & 0x0f) + 1;
    if (extId === id && length === 2 && i + 3 <= end) return buf.readUInt16BE(i + 1);
    i += 1 + length;
  }
  return -1;
}

export class SrtpRtpSender {
  private readonly keystream: AesCmKeystream;
  private readonly tag: HmacSha1Tag;
  private roc = 0;
  private lastSeq = -1;

  constructor(keys: SessionKeys) {
    this.keystream = new AesCmKeystream(keys.cipherKey, keys.salt);
    this.tag = new HmacSha1Tag(keys.authKey);
  }

  /**
   * Encrypts buf[headerBytes, end) and writes the tag at buf[end, end + 10). Sequence numbers must
   * go forward (as a sender's do); a wrap to a lower one starts the next rollover period.
   */
  protect(buf: Buffer, headerBytes: number, end: number): void {
    const seq = buf.readUInt16BE(2);
    if (seq < this.lastSeq && this.lastSeq - seq > 0x8000) this.roc = (this.roc + 1) >>> 0;
    this.lastSeq = seq;
    this.keystream.apply(buf, headerBytes, end, buf.readUInt32BE(8), this.roc, seq);
    this.tag.sign(buf, 0, end, this.roc);
  }
}

/** What unprotect() read from a packet; reused for every packet. */
export interface UnprotectedRtp {
  ssrc: number;
  seq: number;
  timestamp: number;
  payloadType: number;
  marker: boolean;
  /** The transport-wide sequence number, when the receiver was told its extension id and the packet has one; else -1. */
  wideSeq: number;
  payloadStart: number;
  payloadEnd: number;
}

interface RolloverState { roc: number; highestSeq: number }

export class SrtpRtpReceiver {
  private readonly keystream: AesCmKeystream;
  private readonly tag: HmacSha1Tag;
  private readonly streams = new Map<number, RolloverState>();
  readonly packet: UnprotectedRtp = { ssrc: 0, seq: 0, timestamp: 0, payloadType: 0, marker: false, wideSeq: -1, payloadStart: 0, payloadEnd: 0 };
  /** Packets dropped: too short, malformed, or failing authentication. */
  rejected = 0;
  /** The transport-wide sequence number's one-byte extension id, once negotiated (0: not read). */
  wideSeqId = 0;

  constructor(keys: SessionKeys) {
    this.keystream = new AesCmKeystream(keys.cipherKey, keys.salt);
    this.tag = new HmacSha1Tag(keys.authKey);
  }

  /** Authenticates and decrypts in place; true with `packet` filled in, false if dropped. */
  unprotect(buf: Buffer): boolean {
    const end = buf.length - tagBytes;
    if (end < rtpHeaderBytes || buf[0]! >>> 6 !== 2) return this.reject();
    let headerBytes = rtpHeaderBytes + 4 * (buf[0]! & 0x0f);
    let wideSeq = -1;
    if (buf[0]! & 0x10) {
      if (headerBytes + 4 > end) return this.reject();
      const extensionStart = headerBytes + 4;
      headerBytes = extensionStart + 4 * buf.readUInt16BE(headerBytes + 2);
      if (this.wideSeqId !== 0 && headerBytes <= end && buf.readUInt16BE(extensionStart - 4) === 0xbede) wideSeq = oneByteExtension16(buf, extensionStart, headerBytes, this.wideSeqId);
    }
    if (headerBytes > end) return this.reject();
    const seq = buf.readUInt16BE(2);
    const ssrc = buf.readUInt32BE(8);
    let state = this.streams.get(ssrc);
    const guess = state ? estimateRoc(state, seq) : 0;
    if (!this.tag.verify(buf, 0, end, guess)) return this.reject();
    if (!state) {
      state = { roc: guess, highestSeq: seq };
      this.streams.set(ssrc, state);
    } else if (guess === ((state.roc + 1) >>> 0)) {
      state.roc = guess;
      state.highestSeq = seq;
    } else if (guess === state.roc && seq > state.highestSeq) {
      state.highestSeq = seq;
    }
    this.keystream.apply(buf, headerBytes, end, ssrc, guess, seq);
    let payloadEnd = end;
    if (buf[0]! & 0x20) {
      payloadEnd -= buf[end - 1]!;
      if (payloadEnd < headerBytes) return this.reject();
    }
    const { packet } = this;
    packet.ssrc = ssrc;
    packet.seq = seq;
    packet.timestamp = buf.readUInt32BE(4);
    packet.payloadType = buf[1]! & 0x7f;
    packet.marker = (buf[1]! & 0x80) !== 0;
    packet.wideSeq = wideSeq;
    packet.payloadStart = headerBytes;
    packet.payloadEnd = payloadEnd;
    return true;
  }

  private reject(): false {
    this.rejected++;
    return false;
  }
}

/** RFC 3711 §3.3.1: the rollover counter the sender most likely used for this sequence number. */
function estimateRoc(state: RolloverState, seq: number): number {
  const { roc, highestSeq } = state;
  if (highestSeq < 0x8000) return seq - highestSeq > 0x8000 ? (roc - 1) >>> 0 : roc;
  return highestSeq - 0x8000 > seq ? (roc + 1) >>> 0 : roc;
}
