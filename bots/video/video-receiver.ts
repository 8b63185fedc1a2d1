/**
 * What a video bot receives, transport aside: per stream (SSRC), packets into shown frames
 * (frame-assembler.ts), gaps into NACKs (nack-requester.ts), a broken chain into keyframe requests
 * (PLI, at most one per 300 ms), RTX turned back into the packets it repairs, and the latency of every
 * stamped packet. The bot turns `tick`'s requests into RTCP and reads each second's figures.
 */
import { ReceiveStats } from '../../core/metrics/media-stats.js';
import { payloadHeaderBytes, readStamp, type PayloadStamp } from '../media-payload.js';
import { FrameAssembler, type ShownFrame } from './frame-assembler.js';
import { MinInterval, NackRequester } from './nack-requester.js';
import { originalOfRtx } from './rtx.js';

/** One stream's figures since the last `takeSecond`. */
export interface VideoSecond {
  ssrc: number;
  framesShown: number;
  keyframesShown: number;
  bytes: number;
  freezes: number[];
  nacksSent: number;
  plisSent: number;
  rtxReceived: number;
  /** Width of the last keyframe shown so far (0 before one): which simulcast layer arrives. */
  width: number;
  /** How long the stream waited for each keyframe it showed: from its announcement (or first packet), or from when its chain broke. */
  keyframeWaitsMs: number[];
}

export interface VideoRequests {
  /** Sequence numbers to NACK, by media SSRC. */
  nacks: Array<{ ssrc: number; seqs: number[] }>;
  /** Media SSRCs to send a PLI for. */
  plis: number[];
}

/** What a receiver report says of one stream, but for the sender report it echoes (the subscriber adds that). */
export interface ReceptionReport {
  ssrc: number;
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** In RTP timestamp units (90 kHz). */
  jitter: number;
}

interface Stream {
  /** RFC 3550 reception statistics over extended sequence numbers (RTX repairs count as received). */
  reception: ReceiveStats;
  /** The highest sequence number so far, extended past wraps; null before the first packet. */
  highestSeq: number | null;
  /** Expected and received at the last report, for its fraction lost. */
  reportedExpected: number;
  reportedReceived: number;
  /** Since when it has waited for a keyframe; null while frames flow. */
  waitingSinceMs: number | null;
  assembler: FrameAssembler;
  nacks: NackRequester;
  plis: MinInterval;
  plisWanted: boolean;
  second: VideoSecond;
}

/** A stamp older or newer than this is not one (a frame's bytes that happen to start like a stamp). */
const plausibleMs = 60_000;

export class VideoReceiver {
  private readonly streams = new Map<number, Stream>();
  private readonly stamp: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
  /** The time of the packet or tick being handled, for the frame assembler's callbacks. */
  private nowMs = 0;

  /** `latency`: one-way latency of a stamped packet, from its arrival time (on the host clock the senders stamp with). */
  constructor(private readonly events: { latency(ms: number, senderId: number): void; shown?(ssrc: number, frame: ShownFrame): void }) {}

  private stream(ssrc: number): Stream {
    let stream = this.streams.get(ssrc);
    if (!stream) {
      const second: VideoSecond = { ssrc, framesShown: 0, keyframesShown: 0, bytes: 0, freezes: [], nacksSent: 0, plisSent: 0, rtxReceived: 0, width: 0, keyframeWaitsMs: [] };
      const created: Stream = {
        second,
        reception: new ReceiveStats(90_000),
        highestSeq: null,
        reportedExpected: 0,
        reportedReceived: 0,
        waitingSinceMs: this.nowMs,
        nacks: new NackRequester(),
        plis: new MinInterval(300),
        plisWanted: false,
        assembler: new FrameAssembler({
          shown: (frame) => {
            created.nacks.clearUpTo(frame.lastSeq);
            created.second.framesShown++;
            if (frame.keyframe) {
              created.second.keyframesShown++;
              created.second.width = frame.width;
              if (created.waitingSinceMs !== null) created.second.keyframeWaitsMs.push(this.nowMs - created.waitingSinceMs);
            }
            // A repaired chain ends a wait too, without a keyframe.
            created.waitingSinceMs = null;
            if (frame.freezeMs !== null) created.second.freezes.push(frame.freezeMs);
            this.events.shown?.(ssrc, frame);
          },
          keyframeWanted: () => {
            created.plisWanted = true;
            created.waitingSinceMs ??= this.nowMs;
          },
        }),
      };
      stream = created;
      this.streams.set(ssrc, stream);
    }
    return stream;
  }

  /** The target announced stream `ssrc` (a new consumer): its wait for a first keyframe starts now, not at its first packet. */
  expect(ssrc: number, nowMs: number): void {
    this.nowMs = nowMs;
    this.stream(ssrc);
  }

  /** A media packet of stream `ssrc`. */
  packet(ssrc: number, seq: number, timestamp: number, marker: boolean, payload: Buffer, nowMs: number): void {
    this.nowMs = nowMs;
    const stream = this.stream(ssrc);
    stream.reception.onPacket(extendedSeq(stream, seq), nowMs, timestamp);
    stream.second.bytes += payload.length;
    stream.nacks.received(seq, nowMs);
    stream.assembler.packet(seq, timestamp, marker, payload, nowMs);
    if (payload.length >= payloadHeaderBytes && readStamp(payload, this.stamp, payload.length - payloadHeaderBytes, payload.length)) {
      // From the packet's arrival (the kernel's receive time on the native plane), not from when it is handled.
      const latency = nowMs - this.stamp.sentAtMs;
      if (Math.abs(latency) < plausibleMs) this.events.latency(latency, this.stamp.senderId);
    }
  }

  /** A packet of the RTX stream of `mediaSsrc`: the packet it repairs. */
  rtx(mediaSsrc: number, timestamp: number, marker: boolean, payload: Buffer, nowMs: number): void {
    const { seq, payload: original } = originalOfRtx(payload);
    this.stream(mediaSsrc).second.rtxReceived++;
    this.packet(mediaSsrc, seq, timestamp, marker, original, nowMs);
  }

  /** What to ask the senders for now; `rttMs` paces repeated NACKs. */
  tick(nowMs: number, rttMs: number): VideoRequests {
    this.nowMs = nowMs;
    const requests: VideoRequests = { nacks: [], plis: [] };
    for (const [ssrc, stream] of this.streams) {
      stream.assembler.tick(nowMs);
      const seqs = stream.nacks.due(nowMs, rttMs);
      if (seqs.length > 0) {
        requests.nacks.push({ ssrc, seqs });
        stream.second.nacksSent += seqs.length;
      }
      if (stream.plisWanted && stream.plis.take(nowMs)) {
        stream.plisWanted = false;
        requests.plis.push(ssrc);
        stream.second.plisSent++;
      }
    }
    return requests;
  }

  /** What a receiver report says of each stream now; the next report's fraction lost counts from here. */
  report(): ReceptionReport[] {
    const reports: ReceptionReport[] = [];
    for (const [ssrc, stream] of this.streams) {
      const { reception } = stream;
      if (stream.highestSeq === null) continue;
      const expected = reception.expected - stream.reportedExpected;
      const received = reception.received - stream.reportedReceived;
      stream.reportedExpected = reception.expected;
      stream.reportedReceived = reception.received;
      reports.push({ ssrc, fractionLost: expected > 0 ? Math.max(0, expected - received) / expected : 0, cumulativeLost: reception.lost, extendedHighestSeq: stream.highestSeq, jitter: reception.jitterMs * 90 });
    }
    return reports;
  }

  /** Each stream's figures since the last call, and a fresh second. */
  takeSecond(): VideoSecond[] {
    return [...this.streams.values()].map((stream) => {
      const second = stream.second;
      stream.second = { ssrc: second.ssrc, framesShown: 0, keyframesShown: 0, bytes: 0, freezes: [], nacksSent: 0, plisSent: 0, rtxReceived: 0, width: second.width, keyframeWaitsMs: [] };
      return second;
    });
  }
}

/** `seq` extended past 16-bit wraps against the stream's highest so far (a step of under half the space either way). */
function extendedSeq(stream: Stream, seq: number): number {
  const highest = stream.highestSeq;
  if (highest === null) {
    // Started a wrap period in, so a packet from just before the first stays positive.
    stream.highestSeq = 0x10000 + seq;
    return stream.highestSeq;
  }
  const ext = highest + ((((seq - highest) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
  if (ext > highest) stream.highestSeq = ext;
  return ext;
}
