/**
 * A target adapter: the one place that knows a target's signalling. It connects a participant,
 * joins it to a room, publishes its tracks, subscribes it to the others (whichever side offers),
 * follows peers coming and going, and tells it when the target dropped it. Participants (werift
 * bots, browser pages) speak SDP only, through the connections they open for the adapter.
 *
 * Built-in adapters (targets/rtcstorm, targets/janus, targets/whip) and a user's module are loaded
 * the same way (targets/adapter-module.ts). A user adapter imports these types:
 *   import type { TargetAdapter, AdapterInit } from 'rtcstorm/ports';
 */

/** What a connection offers: tracks it sends, or kinds it receives. */
export interface OfferedMedia {
  send?: Array<'audio' | 'video'>;
  receive?: Array<'audio' | 'video'>;
}

/** A STUN or TURN server, as the WebRTC API's RTCIceServer has it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** A stream a connection receives, as the adapter learns it from the target. */
export interface RemoteStream {
  /** The SSRC it arrives with (as in the SDP the target offered or answered). */
  ssrc: number;
  /** Who publishes it: the peer id (or the target's own name for it) of the sender. */
  peerId: string;
  kind: 'audio' | 'video';
  /** Its RTX stream's SSRC (RFC 4588), where the target sends retransmissions on one. */
  rtxSsrc?: number;
  /** The one-byte header extension id of transport-wide sequence numbers on the connection, where negotiated. */
  wideSeqId?: number;
}

/**
 * One peer connection of a participant, driven by the adapter through the steps of an SDP
 * exchange, in either direction. The participant rewrites the target's candidates when its
 * traffic goes through a relay, and keeps the media path; the adapter only exchanges text.
 */
export interface ParticipantConnection {
  /** The participant's offer (applied locally): its tracks to send, or the kinds it wants. */
  createOffer(media: OfferedMedia): Promise<string>;
  /** The target's answer to that offer: ICE and DTLS start. */
  acceptAnswer(answer: string): Promise<void>;
  /** The target's offer (applied); returns the participant's answer, not yet applied. */
  createAnswer(offer: string): Promise<string>;
  /**
   * Applies the answer createAnswer returned: ICE and DTLS start. Separate, so that a target that
   * must learn the answer first (mediasoup drops DTLS that comes before connect()) is told in between.
   * Resolves with the answer as applied, with the participant's ICE candidates in it (what a full-ICE
   * target needs).
   */
  applyAnswer(): Promise<string>;
  /** The connection carries this stream (a new consumer, feed or track). */
  receiving(stream: RemoteStream): void;
  /** The stream with this SSRC ended (its publisher left or unpublished). */
  ended(ssrc: number): void;
  /**
   * ICE servers the target named for this connection (WHIP/WHEP `Link` headers): it gathers with
   * them. Call it before the connection offers or takes an offer: a connection that already made
   * its ICE agent cannot change what it gathered (a WHIP answer comes after the offer), so it only
   * reports them. A participant that keeps its traffic on the host does not ask servers elsewhere.
   * The report's events say which servers were used and which not, and why.
   */
  useIceServers(servers: IceServer[]): void;
  close(): void;
}

/** A participant as an adapter sees it. */
export interface Participant {
  /** Unique in the run: `bot-<id>` or `browser-<id>`. */
  readonly peerId: string;
  /** What it sends when it publishes (offer these: `createOffer({ send: participant.publishes })`). */
  readonly publishes: Array<'audio' | 'video'>;
  /** What it can receive: a target should not offer it other kinds. */
  readonly receives: Array<'audio' | 'video'>;
  /**
   * True when the participant's media path takes every RTP stream its receive connection carries,
   * whatever the SSRC: later streams then need no renegotiation where the target does not ask for
   * one (rtcstorm's own protocol, the werift bots' fast media path).
   */
  readonly takesEveryStream: boolean;
  /** A new peer connection: one to publish, one (or, for WHEP, one per stream) to receive. */
  openConnection(purpose: 'publish' | 'subscribe'): ParticipantConnection;
  /** The target dropped the participant (signalling closed, session expired, kicked): it rejoins. */
  dropped(reason: string): void;
}

export interface JoinOptions {
  /** The room's name at the target, unique per run (`<runTag>-room-<index>`). */
  roomId: string;
  /** Speakers publish; listeners only subscribe. */
  publish: boolean;
  timeoutMs: number;
  /** The URL to dial for one of the target's URLs (a bot in a network namespace dials its gateway). */
  reach(url: string): string;
}

/** A participant in a room, until it leaves or the target drops it. */
export interface TargetSession {
  /** Leaves the room and closes what the adapter opened for it; idempotent. */
  leave(): Promise<void>;
}

/**
 * A target's signalling. One instance serves every participant of a process (a fleet process, or
 * the browser engine in the run process).
 */
export interface TargetAdapter {
  /** Joins `participant` to a room; resolves once it published and subscribed to who was there. */
  join(participant: Participant, options: JoinOptions): Promise<TargetSession>;
  /** Releases what the adapter holds for the process (sockets, keepalive timers); idempotent. */
  close(): Promise<void>;
}

/** What an adapter module's `createAdapter` is given. */
export interface AdapterInit {
  /** The target's signalling URL as the scenario (or the launched target) gives it. */
  url: string;
  /** The scenario's `target.adapter.options` (user adapters) or the built-in adapter's own settings. */
  options: Record<string, unknown>;
  /** Unique per run: prefix of room names, so runs sharing a target do not meet. */
  runTag: string;
}

/** Which adapter a run's participants use: what fleet processes and the browser engine are handed (targets/adapter-module.ts loads it). */
export interface AdapterSpec {
  /** Absolute path of the module (a built-in one's compiled file, or the user's). */
  module: string;
  /** A name for messages: `rtcstorm`, `janus`, `whip`, or the user's file as written. */
  name: string;
  init: AdapterInit;
}

/** An adapter module exports this, by name: `export function createAdapter(init) { … }`. */
export type CreateAdapter = (init: AdapterInit) => TargetAdapter | Promise<TargetAdapter>;

/** A target's error reply (room full, bad request): participants fail with it, and the report names it. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  constructor(
    /** The target's own code, e.g. Janus's 426 or `bad-request`. */
    readonly code: string | number,
    message: string,
  ) {
    super(`${String(code)}: ${message}`);
  }
}
