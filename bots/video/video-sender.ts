/**
 * What a video bot sends, transport aside: each frame time, every active simulcast layer's next clip
 * frame, at the size its share of the available bitrate asks for, as RTP-ready packets (ssrc, seq,
 * timestamp, marker, payload); a keyframe when asked (PLI or FIR, at most one per 300 ms a layer) or every
 * `keyframeIntervalMs`; RTX packets for NACKs from the send history. Packets made wholly of padding carry
 * the latency stamp in their last bytes, where a decoder never reads.
 */
import { writeStamp, payloadHeaderBytes } from '../media-payload.js';
import { FrameSizeModel } from './frame-size-model.js';
import type { IvfFile } from './ivf.js';
import { MinInterval } from './nack-requester.js';
import { rtxPayload } from './rtx.js';
import { SendHistory } from './send-history.js';
import { allocateLayers, type SimulcastLayer } from './simulcast.js';
import { vp8DescriptorBytes, vp8PacketSizes, vp8Payloads } from './vp8-packetizer.js';

export interface VideoPacket {
  layer: number;
  ssrc: number;
  seq: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
  /** A retransmission, on the layer's RTX stream. */
  rtx: boolean;
}

export interface VideoSenderOptions {
  /** The bot's id, stamped into packets as for audio. */
  senderId: number;
  layers: readonly SimulcastLayer[];
  fps: number;
  /** null: keyframes only when asked (browsers' default). */
  keyframeIntervalMs: number | null;
  /** One media and one RTX SSRC per layer. */
  ssrcs: readonly number[];
  rtxSsrcs: readonly number[];
  maxPayloadBytes: number;
  random: () => number;
  /** The VP8 clip of a layer's size (clips.ts). */
  clip: (width: number, height: number) => IvfFile;
  /** Host clock, for the stamp (bots/clock.ts). */
  clockMs: () => number;
}

export interface VideoSenderStats {
  framesSent: number;
  keyframesSent: number;
  rtxSent: number;
  bytesSent: number;
}

interface LayerState {
  clip: IvfFile;
  /** Next clip frame; 0 is the clip's keyframe. */
  position: number;
  pictureId: number;
  tl0PicIdx: number;
  seq: number;
  rtxSeq: number;
  model: FrameSizeModel;
  history: SendHistory;
  /** RTP packets and payload bytes sent on the layer's media SSRC, for its sender reports. */
  packets: number;
  octets: number;
  keyframeWanted: boolean;
  /** A PLI or FIR came while the last keyframe was too recent: one follows once it may. */
  keyframeRequested: boolean;
  keyframeGrants: MinInterval;
  lastKeyframeMs: number | null;
  kbps: number;
}

const clockRate = 90_000;

export class VideoSender {
  private readonly layers: LayerState[];
  private timestamp: number;
  /** The seeded first timestamp: frame k of the run's clock is at base + k frame times. */
  private readonly timestampBase: number;
  /** When the last frame was sent (its RTP timestamp is `timestamp`); null before the first. */
  private lastFrameAtMs: number | null = null;
  readonly stats: VideoSenderStats = { framesSent: 0, keyframesSent: 0, rtxSent: 0, bytesSent: 0 };

  constructor(private readonly options: VideoSenderOptions) {
    const { random } = options;
    const initial = allocateLayers(options.layers.reduce((n, l) => n + l.targetKbps, 0), options.layers);
    this.layers = options.layers.map((layer, k) => ({
      clip: options.clip(layer.width, layer.height),
      position: 0,
      pictureId: Math.floor(random() * 0x8000),
      tl0PicIdx: Math.floor(random() * 0x100),
      seq: Math.floor(random() * 0x10000),
      rtxSeq: Math.floor(random() * 0x10000),
      model: new FrameSizeModel({ bitrateKbps: Math.max(1, initial[k]!), fps: options.fps, random }),
      // About 2 s of the layer at its maximum in 1200-byte packets, never resent after a second.
      history: new SendHistory(Math.max(64, Math.ceil((layer.maxKbps * 1000 * 2) / 8 / 1200)), 1000, 100, options.maxPayloadBytes),
      packets: 0,
      octets: 0,
      keyframeWanted: true,
      keyframeRequested: false,
      keyframeGrants: new MinInterval(300),
      lastKeyframeMs: null,
      kbps: initial[k]!,
    }));
    this.timestamp = Math.floor(random() * 0x100000000);
    this.timestampBase = this.timestamp;
  }

  /** Each layer's bitrate now (0: paused). */
  get layerKbps(): number[] {
    return this.layers.map((l) => l.kbps);
  }

  /** The congestion controller's target, shared among the layers; a layer that resumes starts with a keyframe. */
  setAvailableKbps(kbps: number): void {
    allocateLayers(kbps, this.options.layers).forEach((layerKbps, k) => {
      const layer = this.layers[k]!;
      if (layer.kbps === 0 && layerKbps > 0) layer.keyframeWanted = true;
      layer.kbps = layerKbps;
      if (layerKbps > 0) layer.model.setBitrate(layerKbps);
    });
  }

  /**
   * A PLI or FIR for `ssrc` (any layer's media SSRC): its next frame is a keyframe; within 300 ms of
   * the last one granted, the first frame after those 300 ms is (requests meanwhile are one). True
   * when granted at once.
   */
  requestKeyframe(ssrc: number, nowMs: number): boolean {
    const layer = this.layers[this.options.ssrcs.indexOf(ssrc)];
    if (!layer) return false;
    if (!layer.keyframeGrants.take(nowMs)) {
      layer.keyframeRequested = true;
      return false;
    }
    layer.keyframeWanted = true;
    return true;
  }

  /**
   * The next frame of every active layer, all with one RTP timestamp (as a browser's simulcast does).
   * `frameIndex`: the frame's index on the run's clock, which then sets the timestamp, so the same
   * frame carries the same timestamp in every run (the impairment relay keys its draws on it).
   */
  frame(nowMs: number, frameIndex?: number): VideoPacket[] {
    const packets: VideoPacket[] = [];
    const step = Math.round(clockRate / this.options.fps);
    this.timestamp = (frameIndex === undefined ? this.timestamp + step : this.timestampBase + frameIndex * step) >>> 0;
    this.lastFrameAtMs = nowMs;
    this.layers.forEach((layer, k) => {
      if (layer.kbps === 0) return;
      const interval = this.options.keyframeIntervalMs;
      if (interval !== null && (layer.lastKeyframeMs === null || nowMs - layer.lastKeyframeMs >= interval)) layer.keyframeWanted = true;
      if (layer.keyframeRequested && layer.keyframeGrants.take(nowMs)) {
        layer.keyframeRequested = false;
        layer.keyframeWanted = true;
      }
      // A keyframe is the clip's first frame: the clip starts over.
      if (layer.keyframeWanted) layer.position = 0;
      const keyframe = layer.position === 0;
      const frame = layer.clip.frames[layer.position]!;
      layer.position = (layer.position + 1) % layer.clip.frames.length;
      if (keyframe) {
        layer.keyframeGrants.restart(nowMs);
        layer.keyframeWanted = false;
        layer.lastKeyframeMs = nowMs;
        this.stats.keyframesSent++;
      }
      packets.push(...this.packetize(k, layer, frame, layer.model.next(keyframe), nowMs));
      layer.pictureId = (layer.pictureId + 1) & 0x7fff;
      layer.tl0PicIdx = (layer.tl0PicIdx + 1) & 0xff;
      this.stats.framesSent++;
    });
    return packets;
  }

  /** The frame's RTP payloads, written straight into the layer's send history (no copy, no buffer of their own). */
  private packetize(k: number, layer: LayerState, frame: Buffer, size: number, nowMs: number): VideoPacket[] {
    const first = layer.seq;
    layer.history.reserve(vp8PacketSizes(Math.max(size, frame.length), this.options.maxPayloadBytes).length);
    const payloads = vp8Payloads(frame, size, this.options.maxPayloadBytes, { pictureId: layer.pictureId, tl0PicIdx: layer.tl0PicIdx }, (i, bytes, last) =>
      layer.history.slot((first + i) & 0xffff, this.timestamp, last, bytes, nowMs),
    );
    let offset = 0;
    return payloads.map((payload, i) => {
      const bytes = payload.length - vp8DescriptorBytes;
      const seq = layer.seq;
      layer.seq = (layer.seq + 1) & 0xffff;
      if (offset >= frame.length && bytes >= payloadHeaderBytes) {
        writeStamp(payload.subarray(payload.length - payloadHeaderBytes), { senderId: this.options.senderId, seq, sentAtMs: this.options.clockMs() });
      }
      offset += bytes;
      this.stats.bytesSent += payload.length;
      layer.packets++;
      layer.octets += payload.length;
      return { layer: k, ssrc: this.options.ssrcs[k]!, seq, timestamp: this.timestamp, marker: i === payloads.length - 1, payload, rtx: false };
    });
  }

  /**
   * What each sending layer's RTCP sender report says at `nowMs`: the RTP timestamp of that instant on
   * the frames' clock, and the packets and bytes sent. An SFU maps each layer's timestamps to wall-clock
   * time with these; mediasoup switches a subscriber between layers only once it has them.
   */
  senderReports(nowMs: number): Array<{ ssrc: number; rtpTimestamp: number; packets: number; octets: number }> {
    if (this.lastFrameAtMs === null) return [];
    const rtpTimestamp = (this.timestamp + Math.round(((nowMs - this.lastFrameAtMs) * clockRate) / 1000)) >>> 0;
    return this.layers.flatMap((layer, k) => (layer.packets === 0 ? [] : [{ ssrc: this.options.ssrcs[k]!, rtpTimestamp, packets: layer.packets, octets: layer.octets }]));
  }

  /** RTX packets for a NACK of `seqs` on `ssrc` (a layer's media SSRC); packets unknown, too old or just resent are skipped. */
  nack(ssrc: number, seqs: readonly number[], nowMs: number): VideoPacket[] {
    const k = this.options.ssrcs.indexOf(ssrc);
    const layer = this.layers[k];
    if (!layer) return [];
    return seqs.flatMap((seq) => {
      const original = layer.history.resend(seq, nowMs);
      if (!original) return [];
      const rtxSeq = layer.rtxSeq;
      layer.rtxSeq = (layer.rtxSeq + 1) & 0xffff;
      this.stats.rtxSent++;
      return [{ layer: k, ssrc: this.options.rtxSsrcs[k]!, seq: rtxSeq, timestamp: original.timestamp, marker: original.marker, payload: rtxPayload(seq, original.payload), rtx: true }];
    });
  }
}
