/**
 * The contract between the browser engine (Node) and its page bundle (bots/browser/page/): what
 * the page offers as `window.rtcstorm`, and the functions Node exposes to it. Types and names only,
 * so both sides compile against the same definitions.
 */
import type { AudioSpec, VideoSpec } from '../../core/scenario/types.js';

export interface PageJoin {
  /** A directory (http) or one SFU node (ws): see bots/locate-room.ts. */
  signallingUrl: string;
  roomId: string;
  peerId: string;
  /** Stamped into every sent audio frame, as a bot's id is into its packets. */
  senderId: number;
  audio: AudioSpec;
  video: VideoSpec | null;
  timeoutMs: number;
  /** How often the page ships received frames to Node. */
  batchIntervalMs: number;
}

/**
 * Received audio frames since the last batch, flat: `frameFields` numbers per frame (the stamp's
 * sender id, seq and send time, the arrival time in the page, the frame's RTP timestamp). Plain
 * numbers, because exposed functions take JSON.
 */
export interface FrameBatch {
  frames: number[];
  /** Audio frames stamped and sent since the last batch. */
  sent: number;
  /** Audio streams the page consumes now: with none, silence is no sign of a lost node. */
  audioConsumers: number;
}

export const frameFields = 5;

/** Cumulative getStats() values of one received stream (inbound-rtp); absent fields are 0. */
export interface InboundStats {
  id: string;
  kind: 'audio' | 'video';
  packetsReceived: number;
  packetsLost: number;
  jitterS: number;
  jitterBufferDelayS: number;
  jitterBufferEmittedCount: number;
  totalSamplesReceived: number;
  concealedSamples: number;
  concealmentEvents: number;
  freezeCount: number;
  framesDropped: number;
}

/** What the SFU reports back about one sent stream (remote-inbound-rtp). */
export interface SentStreamStats {
  id: string;
  roundTripTimeS: number;
  roundTripTimeMeasurements: number;
}

export interface PageStats {
  inbound: InboundStats[];
  sent: SentStreamStats[];
}

/** `window.rtcstorm` in the page. */
export interface PageApi {
  /** Resolves once the send transport is connected; rejects with the reason otherwise. */
  join(config: PageJoin): Promise<void>;
  stats(): Promise<PageStats>;
  /** Stops sending and receiving, ships the last frames, closes the signalling socket. */
  leave(): Promise<void>;
}

/** Names of the functions Node exposes to the page (page.exposeFunction). */
export const bindings = {
  /** (batch: FrameBatch) => void */
  frames: 'rtcstormFrames',
  /** (reason: string) => void: the participant failed after joining (socket closed, transport failed). */
  failed: 'rtcstormFailed',
} as const;
