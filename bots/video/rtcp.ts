/**
 * The RTCP a video bot reads and writes, as bytes: PLI and FIR (RFC 4585, 5104), generic NACK (RFC
 * 4585), REMB (draft-alvestrand-rmcat-remb) and transport-wide feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01). Each is one RTCP packet; a plane carries
 * them (ports/media-plane.ts), so the same bytes serve the TypeScript plane and a native one.
 */
import type { PacketFeedback } from './congestion-control.js';

const rtpfb = 205;
const psfb = 206;

export type RtcpMessage =
  | { type: 'pli'; mediaSsrc: number }
  | { type: 'fir'; mediaSsrcs: number[] }
  | { type: 'nack'; mediaSsrc: number; seqs: number[] }
  | { type: 'remb'; bitrateBps: number; ssrcs: number[] }
  | { type: 'twcc'; results: PacketFeedback[] }
  /** A sender report: `ntpMiddle` is the middle 32 bits of its NTP time, what a receiver report echoes as LSR. */
  | { type: 'sr'; ssrc: number; ntpMiddle: number };

/** One RTCP packet's message, or null for kinds a video bot does not act on (SR, RR, SDES, BYE, …) or malformed ones. */
export function readRtcp(packet: Buffer): RtcpMessage | null {
  if (packet.length < 12 || packet[0]! >>> 6 !== 2) return null;
  const format = packet[0]! & 0x1f;
  const type = packet[1]!;
  const end = Math.min(packet.length, 4 * (packet.readUInt16BE(2) + 1));
  if (type === 200 && end >= 28) return { type: 'sr', ssrc: packet.readUInt32BE(4), ntpMiddle: packet.readUInt32BE(10) };
  if (type === psfb && format === 1) return { type: 'pli', mediaSsrc: packet.readUInt32BE(8) };
  if (type === psfb && format === 4) {
    const mediaSsrcs: number[] = [];
    for (let i = 12; i + 8 <= end; i += 8) mediaSsrcs.push(packet.readUInt32BE(i));
    return { type: 'fir', mediaSsrcs };
  }
  if (type === psfb && format === 15 && end >= 20 && packet.toString('latin1', 12, 16) === 'REMB') {
    const count = packet[16]!;
    const exponent = packet[17]! >>> 2;
    const mantissa = ((packet[17]! & 0x03) << 16) | packet.readUInt16BE(18);
    const ssrcs: number[] = [];
    for (let i = 0; i < count && 20 + 4 * i + 4 <= end; i++) ssrcs.push(packet.readUInt32BE(20 + 4 * i));
    return { type: 'remb', bitrateBps: mantissa * 2 ** exponent, ssrcs };
  }
  if (type === rtpfb && format === 1) {
    const seqs: number[] = [];
    for (let i = 12; i + 4 <= end; i += 4) {
      const pid = packet.readUInt16BE(i);
      const blp = packet.readUInt16BE(i + 2);
      seqs.push(pid);
      for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) seqs.push((pid + bit + 1) & 0xffff);
    }
    return { type: 'nack', mediaSsrc: packet.readUInt32BE(8), seqs };
  }
  if (type === rtpfb && format === 15) return readTransportFeedback(packet, end);
  return null;
}

/** Symbols: 0 not received, 1 small delta, 2 large delta. */
function readTransportFeedback(packet: Buffer, end: number): RtcpMessage | null {
  if (end < 20) return null;
  const baseSeq = packet.readUInt16BE(12);
  const count = packet.readUInt16BE(14);
  const referenceMs = packet.readUIntBE(16, 3) * 64;
  const symbols: number[] = [];
  let i = 20;
  while (symbols.length < count && i + 2 <= end) {
    const chunk = packet.readUInt16BE(i);
    i += 2;
    if ((chunk & 0x8000) === 0) {
      const symbol = (chunk >>> 13) & 0x03;
      for (let n = chunk & 0x1fff; n > 0 && symbols.length < count; n--) symbols.push(symbol);
    } else if ((chunk & 0x4000) === 0) {
      for (let bit = 13; bit >= 0 && symbols.length < count; bit--) symbols.push((chunk >>> bit) & 0x01);
    } else {
      for (let pair = 6; pair >= 0 && symbols.length < count; pair--) symbols.push((chunk >>> (2 * pair)) & 0x03);
    }
  }
  const results: PacketFeedback[] = [];
  let atMs = referenceMs;
  for (let k = 0; k < symbols.length; k++) {
    const symbol = symbols[k]!;
    const wideSeq = (baseSeq + k) & 0xffff;
    if (symbol === 0 || symbol === 3) {
      results.push({ wideSeq, receivedAtMs: null });
      continue;
    }
    if (symbol === 1) {
      if (i + 1 > end) return null;
      atMs += packet[i]! / 4;
      i += 1;
    } else {
      if (i + 2 > end) return null;
      atMs += packet.readInt16BE(i) / 4;
      i += 2;
    }
    results.push({ wideSeq, receivedAtMs: atMs });
  }
  return { type: 'twcc', results };
}

function header(format: number, type: number, words: number, senderSsrc: number, mediaSsrc: number): Buffer {
  const packet = Buffer.alloc(4 * (words + 1));
  packet[0] = 0x80 | format;
  packet[1] = type;
  packet.writeUInt16BE(words, 2);
  packet.writeUInt32BE(senderSsrc >>> 0, 4);
  packet.writeUInt32BE(mediaSsrc >>> 0, 8);
  return packet;
}

/** Seconds from the NTP epoch (1900) to the Unix one (1970). */
const ntpEpochOffsetS = 2_208_988_800;

/** A sender report with no report blocks (RFC 3550 §6.4.1): wall-clock time `nowMs` is RTP time `rtpTimestamp`. */
export function senderReport(ssrc: number, nowMs: number, rtpTimestamp: number, packets: number, octets: number): Buffer {
  const packet = Buffer.alloc(28);
  packet[0] = 0x80;
  packet[1] = 200;
  packet.writeUInt16BE(6, 2);
  packet.writeUInt32BE(ssrc >>> 0, 4);
  const seconds = Math.floor(nowMs / 1000);
  packet.writeUInt32BE((seconds + ntpEpochOffsetS) >>> 0, 8);
  packet.writeUInt32BE(Math.floor(((nowMs - seconds * 1000) / 1000) * 0x100000000) >>> 0, 12);
  packet.writeUInt32BE(rtpTimestamp >>> 0, 16);
  packet.writeUInt32BE(packets >>> 0, 20);
  packet.writeUInt32BE(octets >>> 0, 24);
  return packet;
}

/** One report block of a receiver report (RFC 3550 §6.4.1). */
export interface ReportBlock {
  ssrc: number;
  /** Of the packets expected since the last report, the share lost (0–1). */
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** The middle 32 bits of the last sender report's NTP time (0: none yet), and the delay since it in 1/65536 s. */
  lastSr: number;
  delaySinceLastSr: number;
}

/** A receiver report with up to 31 blocks. */
export function receiverReport(senderSsrc: number, blocks: readonly ReportBlock[]): Buffer {
  const count = Math.min(31, blocks.length);
  const packet = Buffer.alloc(8 + 24 * count);
  packet[0] = 0x80 | count;
  packet[1] = 201;
  packet.writeUInt16BE(packet.length / 4 - 1, 2);
  packet.writeUInt32BE(senderSsrc >>> 0, 4);
  blocks.slice(0, count).forEach((block, k) => {
    const at = 8 + 24 * k;
    packet.writeUInt32BE(block.ssrc >>> 0, at);
    packet[at + 4] = Math.max(0, Math.min(255, Math.floor(block.fractionLost * 256)));
    packet.writeIntBE(Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost)), at + 5, 3);
    packet.writeUInt32BE(block.extendedHighestSeq >>> 0, at + 8);
    packet.writeUInt32BE(Math.max(0, Math.round(block.jitter)) >>> 0, at + 12);
    packet.writeUInt32BE(block.lastSr >>> 0, at + 16);
    packet.writeUInt32BE(Math.max(0, Math.round(block.delaySinceLastSr)) >>> 0, at + 20);
  });
  return packet;
}

export function pliPacket(senderSsrc: number, mediaSsrc: number): Buffer {
  return header(1, psfb, 2, senderSsrc, mediaSsrc);
}

/** A generic NACK of `seqs` (any order), packed into PID + bitmask pairs. */
export function nackPacket(senderSsrc: number, mediaSsrc: number, seqs: readonly number[]): Buffer {
  // Ordered from the first, so a wrap keeps them in sending order.
  const base = (seqs[0] ?? 0) & 0xffff;
  const sorted = [...new Set(seqs.map((s) => s & 0xffff))].sort((a, b) => ((a - base) & 0xffff) - ((b - base) & 0xffff));
  const pairs: Array<[number, number]> = [];
  for (const seq of sorted) {
    const last = pairs[pairs.length - 1];
    const offset = last ? (seq - last[0]) & 0xffff : 0;
    if (last && offset >= 1 && offset <= 16) last[1] |= 1 << (offset - 1);
    else pairs.push([seq, 0]);
  }
  const packet = header(1, rtpfb, 2 + pairs.length, senderSsrc, mediaSsrc);
  pairs.forEach(([pid, blp], k) => {
    packet.writeUInt16BE(pid, 12 + 4 * k);
    packet.writeUInt16BE(blp, 14 + 4 * k);
  });
  return packet;
}

/**
 * A receiver's side of transport-wide feedback: the arrival time of each transport-wide sequence
 * number, reported every `feedback()` from the first one not yet reported, as libwebrtc's
 * RemoteEstimatorProxy does (every 50–250 ms there; the bot's tick decides).
 */
export class TransportFeedbackWriter {
  /** Arrivals not yet reported, by unwrapped sequence number (slot seq % length; a typed ring, no entry object per packet). */
  private arrivalSeq = new Float64Array(1024).fill(-1);
  private arrivalMs = new Float64Array(1024);
  private nextSeq: number | null = null;
  private highest = -1;
  private feedbackCount = 0;

  constructor(private readonly senderSsrc: number) {}

  received(wideSeq: number, arrivalMs: number): void {
    // Unwrapped against the highest so far: a step of under half the space either way.
    const unwrapped = this.highest < 0 ? wideSeq : this.highest + ((((wideSeq - this.highest) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    if (this.nextSeq !== null && unwrapped < this.nextSeq) return;
    if (this.nextSeq === null) this.nextSeq = unwrapped;
    while (unwrapped - this.nextSeq >= this.arrivalSeq.length) this.grow();
    const k = unwrapped % this.arrivalSeq.length;
    this.arrivalSeq[k] = unwrapped;
    this.arrivalMs[k] = arrivalMs;
    if (unwrapped > this.highest) this.highest = unwrapped;
  }

  /** The arrival of `seq` if it has one not yet reported, and forgets it. */
  private take(seq: number): number | undefined {
    const k = seq % this.arrivalSeq.length;
    if (this.arrivalSeq[k] !== seq) return undefined;
    this.arrivalSeq[k] = -1;
    return this.arrivalMs[k];
  }

  /** More unreported sequence numbers than slots (feedback is late): twice the slots. */
  private grow(): void {
    const seqs = this.arrivalSeq;
    const times = this.arrivalMs;
    this.arrivalSeq = new Float64Array(2 * seqs.length).fill(-1);
    this.arrivalMs = new Float64Array(2 * seqs.length);
    for (let k = 0; k < seqs.length; k++) {
      const seq = seqs[k]!;
      if (seq < 0) continue;
      this.arrivalSeq[seq % this.arrivalSeq.length] = seq;
      this.arrivalMs[seq % this.arrivalSeq.length] = times[k]!;
    }
  }

  /** Feedback on `mediaSsrc`'s connection for every sequence number since the last one, or null if nothing arrived. */
  feedback(mediaSsrc: number): Buffer | null {
    if (this.nextSeq === null || this.highest < this.nextSeq) return null;
    // At most a few hundred packets a message; the rest waits for the next one.
    const first = this.nextSeq;
    const last = Math.min(this.highest, first + 500);
    const times: Array<number | undefined> = [];
    for (let seq = first; seq <= last; seq++) {
      times.push(this.take(seq));
    }
    this.nextSeq = last + 1;
    const firstArrival = times.find((t) => t !== undefined)!;
    const reference = Math.floor(firstArrival / 64);
    let atQuarterMs = reference * 64 * 4;
    const symbols: number[] = [];
    const deltas: number[] = [];
    for (const time of times) {
      if (time === undefined) {
        symbols.push(0);
        continue;
      }
      const delta = Math.round(time * 4) - atQuarterMs;
      atQuarterMs += delta;
      const small = delta >= 0 && delta <= 255;
      symbols.push(small ? 1 : 2);
      deltas.push(small ? delta : Math.max(-0x8000, Math.min(0x7fff, delta)));
    }
    // Status vector chunks of seven 2-bit symbols: simple, and valid whatever the pattern.
    const chunks = Math.ceil(symbols.length / 7);
    const deltaBytes = symbols.reduce((n, s) => n + (s === 1 ? 1 : s === 2 ? 2 : 0), 0);
    const bodyBytes = 8 + 8 + 2 * chunks + deltaBytes;
    const words = Math.ceil((4 + bodyBytes) / 4) - 1;
    const packet = header(15, rtpfb, words, this.senderSsrc, mediaSsrc);
    packet.writeUInt16BE(first & 0xffff, 12);
    packet.writeUInt16BE(symbols.length, 14);
    packet.writeUIntBE(reference & 0xffffff, 16, 3);
    packet[19] = this.feedbackCount++ & 0xff;
    let i = 20;
    for (let c = 0; c < chunks; c++) {
      let chunk = 0xc000;
      for (let k = 0; k < 7; k++) chunk |= (symbols[7 * c + k] ?? 0) << (2 * (6 - k));
      packet.writeUInt16BE(chunk, i);
      i += 2;
    }
    let d = 0;
    for (const symbol of symbols) {
      if (symbol === 1) packet[i++] = deltas[d++]!;
      else if (symbol === 2) {
        packet.writeInt16BE(deltas[d++]!, i);
        i += 2;
      }
    }
    return packet;
  }
}
