/**
 * Outgoing RTP packets as a media plane's senders build them: a zeroed buffer with the header
 * written and room for the SRTP tag, the payload left for the caller to fill.
 */
import { audioLevelHeaderBytes, rtpHeaderBytes, srtpTagBytes, wideSeqHeaderBytes, writeRtpHeader, writeRtpHeaderWithAudioLevel, writeRtpHeaderWithWideSeq } from './srtp-rtp.js';

/** A connection's transport-wide sequence numbers, shared by all its SSRCs. */
export interface WideSeqCounter {
  wideSeq: number;
}

export class RtpPacketBuilder {
  readonly headerBytes: number;
  private readonly fields = { payloadType: 0, seq: 0, timestamp: 0, ssrc: 0, marker: false };

  constructor(
    ssrc: number,
    payloadType: number,
    private readonly wideSeqId: number,
    private readonly audioLevelId: number,
    private readonly counter: WideSeqCounter,
  ) {
    this.fields.ssrc = ssrc;
    this.fields.payloadType = payloadType;
    this.headerBytes = wideSeqId !== 0 ? wideSeqHeaderBytes : audioLevelId !== 0 ? audioLevelHeaderBytes : rtpHeaderBytes;
  }

  /** A zeroed packet with its header written; `payload` is for the caller to fill. */
  packet(payloadBytes: number, seq: number, timestamp: number, marker = false, audioLevel = 127): { buf: Buffer; payload: Buffer; wideSeq: number } {
    // A fresh buffer per packet: the socket may still hold the previous one when send() queues, and a
    // sender may keep it (a retransmission history). A slice of Node's pool, zeroed: Buffer.alloc
    // would make an ArrayBuffer of its own each time.
    const { headerBytes } = this;
    const buf = Buffer.allocUnsafe(headerBytes + payloadBytes + srtpTagBytes).fill(0);
    this.fields.seq = seq;
    this.fields.timestamp = timestamp;
    this.fields.marker = marker;
    let wideSeq = -1;
    if (this.wideSeqId === 0) {
      if (this.audioLevelId === 0) writeRtpHeader(buf, this.fields);
      else writeRtpHeaderWithAudioLevel(buf, this.fields, this.audioLevelId, audioLevel & 0x7f, audioLevel >= 128);
    } else {
      wideSeq = this.counter.wideSeq;
      this.counter.wideSeq = (wideSeq + 1) & 0xffff;
      writeRtpHeaderWithWideSeq(buf, this.fields, this.wideSeqId, wideSeq);
    }
    return { buf, payload: buf.subarray(headerBytes, headerBytes + payloadBytes), wideSeq };
  }
}
