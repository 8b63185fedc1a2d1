/**
 * The contract between the browser engine (Node) and its page bundle (bots/browser/page/): what
 * the page offers as `window.rtcstorm`, and the functions Node exposes to it. Types and names only,
 * so both sides compile against the same definitions.
 */
import type { AudioSpec, VideoSpec } from '../../core/scenario/types.js';

/** What the page needs before the adapter opens its connections: what it sends and how it ships frames. */
export interface PageStart {
  /** Stamped into every sent audio frame, as a bot's id is into its packets. */
  senderId: number;
  audio: AudioSpec;
  video: VideoSpec | null;
  /** How often the page ships received frames to Node. */
  batchIntervalMs: number;
}

/** What a connection offers (ports/target-adapter.ts OfferedMedia), as plain data for page.evaluate. */
export interface PageOffer {
  send?: Array<'audio' | 'video'>;
  receive?: Array<'audio' | 'video'>;
}

/** An ICE server (ports/target-adapter.ts IceServer), as plain data for page.evaluate. */
export interface PageIceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
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
  framesDecoded: number;
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

/**
 * `window.rtcstorm` in the page: the steps of an SDP exchange on each of its peer connections, as
 * Node's target adapter drives them (ports/target-adapter.ts ParticipantConnection), by number.
 */
export interface PageApi {
  /** Captures the fake microphone (and camera) and starts shipping received frames. */
  start(config: PageStart): Promise<void>;
  openConnection(id: number, purpose: 'publish' | 'subscribe'): void;
  createOffer(id: number, media: PageOffer): Promise<string>;
  acceptAnswer(id: number, answer: string): Promise<void>;
  createAnswer(id: number, offer: string): Promise<string>;
  applyAnswer(id: number): Promise<string>;
  /** Gathers with these ICE servers; false (and nothing changed) when the connection had gathered already. */
  useIceServers(id: number, servers: PageIceServer[]): boolean;
  /** Resolves once the connection is connected; rejects when it fails or the time is up. */
  connected(id: number, timeoutMs: number): Promise<void>;
  closeConnection(id: number): void;
  stats(): Promise<PageStats>;
  /** Closes every connection (media stops) and ships the last frames; capture goes on for a rejoin. */
  leave(): Promise<void>;
}

/** Names of the functions Node exposes to the page (page.exposeFunction). */
export const bindings = {
  /** (batch: FrameBatch) => void */
  frames: 'rtcstormFrames',
  /** (reason: string) => void: a connection failed (ICE or DTLS). */
  failed: 'rtcstormFailed',
} as const;
