/**
 * A bot's video on the wire, sending side: a VideoSender's frames on the media plane's send paths
 * (one per layer, one per layer's RTX stream), every frame time; the target's RTCP turned into
 * keyframes (PLI, FIR), retransmissions (NACK) and a sending rate (transport-wide feedback through
 * the congestion controller, capped by REMB); and each second's figures into the store.
 */
import type { MetricStore } from '../../core/metrics/store.js';
import type { RtcpPath, RtpSendPath } from '../../ports/media-plane.js';
import { CongestionController } from './congestion-control.js';
import { readRtcp, senderReport } from './rtcp.js';
import { VideoSender, type VideoPacket, type VideoSenderOptions } from './video-sender.js';

/** The sender's options (SSRCs lowest layer first, as the target's encodings) but the packet size, which is the wire's; and where figures go. */
export interface VideoPublisherOptions extends Omit<VideoSenderOptions, 'maxPayloadBytes'> {
  store: MetricStore;
  group: string;
}

/** libwebrtc's RTCP interval for video, about a second. */
const senderReportEveryMs = 1000;

/** RTP payload a packet may carry: 1200 bytes, as browsers keep under a 1280-byte IPv6 minimum MTU with headers and SRTP. */
const maxPayloadBytes = 1200;

export class VideoPublisher {
  private readonly sender: VideoSender;
  private readonly controller: CongestionController;
  private media: RtpSendPath[] = [];
  private rtx: RtpSendPath[] = [];
  private rtcp: RtcpPath | null = null;
  private lastReportMs = Number.NEGATIVE_INFINITY;
  private nextFrameAtMs: number | null = null;
  /** The last frame sent, by its index on the run's clock. */
  private lastFrameIndex = Number.NEGATIVE_INFINITY;
  private readonly frameMs: number;
  private rembKbps = Number.POSITIVE_INFINITY;
  private keyframesReported = 0;

  constructor(private readonly options: VideoPublisherOptions) {
    this.frameMs = 1000 / options.fps;
    const totalKbps = options.layers.reduce((n, l) => n + l.targetKbps, 0);
    this.sender = new VideoSender({ ...options, maxPayloadBytes });
    // Starts at the configured rate (a browser starts lower and probes up; probing is not modelled).
    this.controller = new CongestionController({ startKbps: totalKbps, minKbps: Math.min(30, totalKbps), maxKbps: options.layers.reduce((n, l) => n + l.maxKbps, 0) });
  }

  /** The plane's send paths and RTCP, once the transport is up; frames start with the next tick. */
  attach(media: RtpSendPath[], rtx: RtpSendPath[], rtcp: RtcpPath): void {
    this.media = media;
    this.rtx = rtx;
    this.rtcp = rtcp;
  }

  /**
   * Sends the frames due by `nowMs`; a process that fell behind by more than a frame skips the rest,
   * as an encoder drops frames. With `runMs` (the run's clock), frames are due at the run's frame
   * times, whatever the join time, and each carries its frame time's RTP timestamp.
   */
  tick(nowMs: number, runMs?: number): void {
    if (this.media.length === 0) return;
    if (runMs !== undefined) {
      const index = Math.floor(runMs / this.frameMs);
      if (index <= this.lastFrameIndex) return;
      this.lastFrameIndex = index;
      for (const packet of this.sender.frame(nowMs, index)) this.send(packet, nowMs);
    } else {
      if (this.nextFrameAtMs === null || nowMs - this.nextFrameAtMs > this.frameMs) this.nextFrameAtMs = nowMs;
      if (nowMs < this.nextFrameAtMs) return;
      this.nextFrameAtMs += this.frameMs;
      for (const packet of this.sender.frame(nowMs)) this.send(packet, nowMs);
    }
    if (this.rtcp && nowMs - this.lastReportMs >= senderReportEveryMs) {
      this.lastReportMs = nowMs;
      const reports = this.sender.senderReports(nowMs).map((r) => senderReport(r.ssrc, nowMs, r.rtpTimestamp, r.packets, r.octets));
      if (reports.length > 0) this.rtcp.send(Buffer.concat(reports));
    }
  }

  private send(packet: VideoPacket, nowMs: number): void {
    const path = (packet.rtx ? this.rtx : this.media)[packet.layer];
    if (!path) return;
    const { buf, payload, wideSeq } = path.packet(packet.payload.length, packet.seq, packet.timestamp, packet.marker);
    packet.payload.copy(payload);
    path.send(buf);
    if (wideSeq >= 0) this.controller.onPacketSent(wideSeq, buf.length, nowMs);
  }

  /** One RTCP packet from the target. */
  onRtcp(packet: Buffer, nowMs: number): void {
    const message = readRtcp(packet);
    if (!message) return;
    switch (message.type) {
      case 'pli':
        this.sender.requestKeyframe(message.mediaSsrc, nowMs);
        break;
      case 'fir':
        for (const ssrc of message.mediaSsrcs) this.sender.requestKeyframe(ssrc, nowMs);
        break;
      case 'nack':
        for (const rtx of this.sender.nack(message.mediaSsrc, message.seqs, nowMs)) this.send(rtx, nowMs);
        break;
      case 'remb':
        this.rembKbps = message.bitrateBps / 1000;
        this.sender.setAvailableKbps(this.availableKbps);
        break;
      case 'twcc':
        this.controller.onFeedback(message.results, nowMs);
        this.sender.setAvailableKbps(this.availableKbps);
        break;
    }
  }

  private get availableKbps(): number {
    return Math.min(this.controller.targetKbps, this.rembKbps);
  }

  sampleSecond(atMs: number): void {
    if (this.media.length === 0) return;
    const { store, group } = this.options;
    const keyframes = this.sender.stats.keyframesSent;
    if (keyframes > this.keyframesReported) store.count('video_keyframes_sent', keyframes - this.keyframesReported, group, atMs);
    this.keyframesReported = keyframes;
    const layerKbps = this.sender.layerKbps;
    store.record('video_send_kbps', layerKbps.reduce((a, b) => a + b, 0), group, atMs);
    store.record('video_layers_sent', layerKbps.filter((kbps) => kbps > 0).length, group, atMs);
  }
}
