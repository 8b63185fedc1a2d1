/**
 * A bot's video on the wire, receiving side: the receive connection's video packets (RTX ones turned
 * back into what they repair) into a VideoReceiver; its NACKs and PLIs, and transport-wide feedback on
 * every packet that carries a transport-wide sequence number, sent as RTCP, so the target's downlink
 * estimation and layer choice run as for a browser; and each second's figures into the store.
 */
import type { MetricStore } from '../../core/metrics/store.js';
import type { ReceivedRtpHeader, RtcpPath } from '../../ports/media-plane.js';
import { nackPacket, pliPacket, readRtcp, receiverReport, TransportFeedbackWriter } from './rtcp.js';
import { VideoReceiver } from './video-receiver.js';

export interface VideoSubscriberOptions {
  store: MetricStore;
  group: string;
  /** SSRC the bot's RTCP is sent from. */
  senderSsrc: number;
  clockMs: () => number;
  /** The received picture's layer from its width: the bots' ladder (160, 320, 640 wide) as 0, 1, 2. */
  layerOfWidth: (width: number) => number | undefined;
}

/** libwebrtc's round trip before one is measured; it paces repeated NACKs (the bot does not measure RTT). */
const assumedRttMs = 100;
/** How often transport-wide feedback is sent (libwebrtc: every 50–250 ms, by the rate). */
const feedbackEveryMs = 100;
/** Receiver reports: libwebrtc's RTCP interval for video, about a second. */
const reportEveryMs = 1000;

export class VideoSubscriber {
  private readonly receiver: VideoReceiver;
  private readonly feedback: TransportFeedbackWriter;
  /** RTX SSRC → the media SSRC it repairs. */
  private readonly rtxOf = new Map<number, number>();
  private readonly media = new Set<number>();
  private rtcp: RtcpPath | null = null;
  private lastFeedbackMs = Number.NEGATIVE_INFINITY;
  private lastReportMs = Number.NEGATIVE_INFINITY;
  /** The last sender report of each stream: its NTP time's middle 32 bits, and when it came. */
  private readonly senderReports = new Map<number, { ntpMiddle: number; atMs: number }>();

  constructor(private readonly options: VideoSubscriberOptions) {
    this.receiver = new VideoReceiver({ latency: (ms) => options.store.record('video_latency_ms', ms, options.group) });
    this.feedback = new TransportFeedbackWriter(options.senderSsrc);
  }

  /** The connection's RTCP, once it is up. */
  attach(rtcp: RtcpPath): void {
    this.rtcp = rtcp;
  }

  /** A video stream the connection carries now, with its RTX stream's SSRC where negotiated. */
  stream(ssrc: number, rtxSsrc: number | undefined): void {
    if (!this.media.has(ssrc)) this.receiver.expect(ssrc, this.options.clockMs());
    this.media.add(ssrc);
    if (rtxSsrc !== undefined) this.rtxOf.set(rtxSsrc, ssrc);
  }

  /** An RTCP packet of the receive connection: sender reports are kept for the receiver reports to echo. */
  onRtcp(packet: Buffer, nowMs: number): void {
    const message = readRtcp(packet);
    if (message?.type === 'sr') this.senderReports.set(message.ssrc, { ntpMiddle: message.ntpMiddle, atMs: nowMs });
  }

  /** Whether `ssrc` is one of this subscriber's video or RTX streams. */
  takes(ssrc: number): boolean {
    return this.media.has(ssrc) || this.rtxOf.has(ssrc);
  }

  /** Every packet of the connection that carries a transport-wide sequence number, audio too. */
  arrived(wideSeq: number, nowMs: number): void {
    if (wideSeq >= 0) this.feedback.received(wideSeq, nowMs);
  }

  /** A packet of a video or RTX stream; its payload is bytes[start, end). */
  packet(bytes: Buffer, rtpTimestamp: number, start: number, end: number, header: ReceivedRtpHeader, nowMs: number): void {
    const payload = bytes.subarray(start, end);
    const media = this.rtxOf.get(header.ssrc);
    // An RTX packet with no payload is padding a sender probes with.
    if (media !== undefined) {
      if (payload.length > 2) this.receiver.rtx(media, rtpTimestamp, header.marker, payload, nowMs);
    } else if (payload.length > 0) this.receiver.packet(header.ssrc, header.seq, rtpTimestamp, header.marker, payload, nowMs);
  }

  /** Sends what the receiver asks for now, and transport-wide feedback when due. */
  tick(nowMs: number): void {
    const { rtcp } = this;
    if (!rtcp || this.media.size === 0) return;
    const { senderSsrc } = this.options;
    const requests = this.receiver.tick(nowMs, assumedRttMs);
    for (const { ssrc, seqs } of requests.nacks) rtcp.send(nackPacket(senderSsrc, ssrc, seqs));
    for (const ssrc of requests.plis) rtcp.send(pliPacket(senderSsrc, ssrc));
    if (nowMs - this.lastFeedbackMs >= feedbackEveryMs) {
      this.lastFeedbackMs = nowMs;
      const feedback = this.feedback.feedback(this.media.values().next().value!);
      if (feedback) rtcp.send(feedback);
    }
    if (nowMs - this.lastReportMs >= reportEveryMs) {
      this.lastReportMs = nowMs;
      const blocks = this.receiver.report().map((report) => {
        const sr = this.senderReports.get(report.ssrc);
        return { ...report, lastSr: sr?.ntpMiddle ?? 0, delaySinceLastSr: sr ? ((nowMs - sr.atMs) * 65536) / 1000 : 0 };
      });
      if (blocks.length > 0) rtcp.send(receiverReport(senderSsrc, blocks));
    }
  }

  sampleSecond(atMs: number): void {
    const { store, group, layerOfWidth } = this.options;
    for (const second of this.receiver.takeSecond()) {
      if (second.framesShown > 0) store.count('video_frames_received', second.framesShown, group, atMs);
      if (second.freezes.length > 0) store.count('video_freezes', second.freezes.length, group, atMs);
      for (const freezeMs of second.freezes) store.record('video_freeze_ms', freezeMs, group, atMs);
      for (const waitMs of second.keyframeWaitsMs) store.record('video_keyframe_wait_ms', waitMs, group, atMs);
      if (second.nacksSent > 0) store.count('video_nacks_sent', second.nacksSent, group, atMs);
      if (second.rtxReceived > 0) store.count('video_rtx_received', second.rtxReceived, group, atMs);
      if (second.plisSent > 0) store.count('video_plis_sent', second.plisSent, group, atMs);
      // A stream that has not yet shown a keyframe has no frame rate, bitrate or layer to speak of.
      if (second.width === 0) continue;
      store.record('video_fps', second.framesShown, group, atMs);
      store.record('video_bitrate_kbps', (second.bytes * 8) / 1000, group, atMs);
      const layer = layerOfWidth(second.width);
      if (layer !== undefined) store.record('video_layer', layer, group, atMs);
    }
  }
}
