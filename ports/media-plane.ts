/**
 * The media plane: a bot's RTP once its connection's DTLS is done, built, protected and sent, and
 * received, off the WebRTC stack's own per-packet path. The TypeScript plane (bots/werift/fast-media.ts)
 * is one implementation; the native one (bots/native-plane) takes its place without touching bots or metrics. A plane
 * sees a connection only as a `MediaConnection`: what it takes over from it, in the terms below; the
 * stack's side of that (werift's: bots/werift/werift-internals.ts) is the stack's business.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import type { MetricStore } from '../core/metrics/store.js';
import type { TalkSpec } from '../core/scenario/index.js';

/** One SSRC's outgoing RTP. */
export interface RtpSendPath {
  /**
   * A zeroed packet with its header written; fill `payload`, then send(buf). With a transport-wide
   * sequence number negotiated (`wideSeqId`), the header carries the connection's next one, returned as `wideSeq` (else -1).
   * With `audioLevelId`, it carries `audioLevel` (RFC 6464: -dBov 0-127, plus 128 for voice activity).
   */
  packet(payloadBytes: number, seq: number, timestamp: number, marker?: boolean, audioLevel?: number): { buf: Buffer; payload: Buffer; wideSeq: number };
  send(buf: Buffer): void;
}

/** A received packet's header fields; the object is reused for the next packet. */
export interface ReceivedRtpHeader {
  ssrc: number;
  seq: number;
  payloadType: number;
  marker: boolean;
  /** The transport-wide sequence number, when `wideSeqId` was given and the packet has one; else -1. */
  wideSeq: number;
  /** When the kernel received the datagram, on the host clock (bots/clock.ts), if the plane knows; else the receiver reads the clock. */
  arrivalMs?: number;
}

/** `payload` is bytes[start, end) of the decrypted datagram; `bytes` may be reused after the call returns (a plane's receive buffer), so a receiver copies what it keeps. */
export type OnRtp = (bytes: Buffer, rtpTimestamp: number, start: number, end: number, header: ReceivedRtpHeader) => void;

/** RTP header extensions the plane writes or reads, by the id the connection negotiated. */
export interface RtpExtensionIds {
  /** transport-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01). */
  wideSeqId?: number;
  /** The client-to-mixer audio level (RFC 6464); a sender writes one or the other. */
  audioLevelId?: number;
}

/** A connection's RTCP, as a plane carries it: packets in (each of a compound, decrypted) and compounds out. */
export interface RtcpPath {
  send(compound: Buffer): void;
}

/** A host and port. */
export type UdpAddress = readonly [host: string, port: number];

/** The SRTP master keys and salts the connection's DTLS exported (RFC 5764), for AES_CM_128_HMAC_SHA1_80. */
export interface SrtpMasterKeys {
  localMasterKey: Buffer;
  localMasterSalt: Buffer;
  remoteMasterKey: Buffer;
  remoteMasterSalt: Buffer;
}

/** The ICE session's side of the consent checks (RFC 7675) the plane sends in the connection's place. */
export interface IceConsentCredentials {
  /** `remote:local` ufrags, the checks' USERNAME. */
  username: string;
  /** The remote password, the checks' MESSAGE-INTEGRITY key. */
  password: string;
  tieBreaker: bigint;
  /** Whether the checks carry USE-CANDIDATE (a controlling agent facing an ICE-lite one). */
  nominate: boolean;
}

/**
 * What a plane takes over from a connected connection: the UDP socket of its nominated ICE candidate
 * pair, its SRTP keys, and its ICE consent checks. The connection's stack keeps DTLS, RTCP and ICE's
 * other answers: the plane hands it every datagram that is neither RTP nor a consent answer (RTCP
 * unprotected, if the plane does SRTCP), and carries what it sends.
 */
export interface MediaTransport {
  readonly socket: Socket;
  /** The remote end of the nominated pair. */
  readonly remote: UdpAddress;
  readonly keys: SrtpMasterKeys;
  readonly consent: IceConsentCredentials;
  /** Stops the stack's own consent checks: the plane's replace them. */
  retireConsent(): void;
  /** The plane's consent checks expired: the stack sends nothing more (its RTCP included). */
  consentExpired(): void;
  /** A datagram for the stack: DTLS, RTCP, STUN other than consent answers. */
  deliver(data: Buffer, from: RemoteInfo): void;
  /** The stack's own datagrams go through `send` from now on; one it returns false for, the stack sends itself. */
  routeSends(send: (data: Buffer, to: UdpAddress | undefined) => boolean): void;
  /** Each RTCP packet the stack decrypts from now on (one packet of a compound, as bytes). */
  onRtcp(listener: (packet: Buffer) => void): void;
  /** An RTCP compound the plane has unprotected: the stack takes it as one it decrypted itself (to `onRtcp`'s listener, if any). */
  deliverRtcp(compound: Buffer): void;
  /**
   * The stack's SRTCP protection goes through `protect` from now on, at the SRTCP index the stack keeps
   * for the compound's SSRC (so the index goes on where the stack's left it); undefined: the stack protects it itself.
   */
  protectRtcpWith(protect: (compound: Buffer, index: number) => Buffer | undefined): void;
  /** Protects and sends a compound RTCP packet with the stack's SRTCP session. */
  sendRtcp(compound: Buffer): void;
}

/** A connection as a plane sees it. */
export interface MediaConnection {
  /**
   * Its transport, once its DTLS is done and SRTP keyed; rejects when DTLS fails or closes first, or
   * when the connection has no UDP candidate pair or keys a plane implements.
   */
  mediaTransport(): Promise<MediaTransport>;
}

/** What a bot's voice receiver records into, and how it judges its streams. */
export interface VoiceReceiverOptions {
  store: MetricStore;
  group: string;
  /** The plan's room, `room-<index>`: per-room counts for the report's worst rooms. */
  room: string;
  clockRateHz: number;
  /** A stream silent for longer than this, then back, records media_gap_ms. */
  gapThresholdMs: number;
  /** Model each stream's playout and rate it (mos, playout_delay_ms, audio_concealed_ratio), at this packet time. */
  playout?: { ptimeMs: number };
}

/**
 * A bot's receive accounting of the stamped voice streams it hears: sequence, loss, jitter, one-way
 * latency, media gaps, playout and MOS, into the store once a second. bots/stream-receiver.ts is the
 * JavaScript one; a plane may count in its own code (the native plane does, in C).
 */
export interface VoiceReceiver {
  /** Latest counted arrival over all streams; -Infinity before the first packet. */
  readonly lastArrivalMs: number;
  /** Calls `listener` once, with the arrival of the next packet counted from now on (a recovery's first media back). */
  onceMedia(listener: (arrivalMs: number) => void): void;
  /** One packet as received at `arrivalMs` (else now), its payload at bytes[start, end), on RTP stream `ssrc` when known; payloads without a stamp are ignored. */
  onPayload(bytes: Uint8Array, rtpTimestamp: number, start?: number, end?: number, ssrc?: number, arrivalMs?: number): void;
  /** The target says RTP stream `ssrc` ended (its sender left): a return is a new stream. */
  streamEnded(ssrc: number): void;
  /** This participant left the room: what it misses meanwhile is not lost. */
  endAll(): void;
  sampleSecond(atMs: number): void;
  /** Idempotent; nothing is counted after it. */
  close(): void;
}

/** One Opus packet of a voice clip, as its encoder made it (bots/voice/voice-clip.ts). */
export interface VoiceFrame {
  bytes: Uint8Array;
  /** Its RFC 6464 level (-dBov). */
  level: number;
  /** Zero bytes of padding before the stamp. */
  extraPadding: number;
  /** Its length once stamped (bots/opus-stamp.ts). */
  stampedBytes: number;
}

/** What a bot's voice sender needs to send as the bot would: its clip, its talk model and seed, its id. */
export interface VoiceSendSpec {
  clip: { speech: readonly VoiceFrame[]; comfortNoise: readonly VoiceFrame[] };
  talk: TalkSpec;
  /** Seeds the talk model's own generator: the same seed talks alike on every plane. */
  talkSeed: number;
  /** The bot's index: its stamps' sender id, and where in the clip it starts. */
  botId: number;
  samplesPerPacket: number;
  ptimeMs: number;
}

/**
 * Voice senders a plane sends for in batches (the native plane's, in C): the send scheduler calls it
 * once per slot of its packet time and tick, not once per packet.
 */
export interface VoiceBatch {
  /** Packet time `turn` of slot `slot`, at nowMs (default: the clock now): every member of the slot with a send path sends. */
  sendSlot(slot: number, turn: number, nowMs?: number): void;
  /** `turns` packet times of slot `slot` before nowMs (default: now) were missed: the members count what they would have sent. */
  skipSlot(slot: number, turns: number, nowMs?: number): void;
  /**
   * Runs the slots on the batch's own clock (the native plane's: a timer in C, so that a tick does not
   * enter JavaScript), as the scheduler would, from `startedAtMs` on performance.now()'s clock; the
   * scheduler then calls neither sendSlot nor skipSlot.
   */
  run?(startedAtMs: number): void;
  /** Its clock stops (idempotent). */
  stop?(): void;
}

/** A bot's voice, packet time by packet time: the talk model's decision, the clip's next frame, stamped and sent. */
export interface VoiceSender {
  /** Packet time `turn` (its RTP timestamp is turn × samplesPerPacket) at `nowMs` on `path`; whether a packet went. */
  send(path: RtpSendPath, turn: number, nowMs: number): boolean;
  /** `count` packet times before nowMs were missed: how many the talk model would have filled. */
  skip(count: number, nowMs: number): number;
  /** Sends in `batch`'s slot `slot` from now on, instead of through send(); false if it cannot (not the batch's plane). */
  joinBatch?(batch: VoiceBatch, slot: number): boolean;
  /** In a batch: the path it sends on, or none while the bot is not connected (nothing is built or counted then). */
  sendOn?(path: RtpSendPath | undefined): void;
  /** In a batch: packets sent and packet-time packets skipped since the last call. */
  takeCounts?(): { sent: number; skipped: number };
  /** Idempotent. */
  close(): void;
}

export interface MediaPlane {
  /** Sends `ssrc` on the connection (several SSRCs may share it); `onLost`: its socket or keys went away. */
  openSender(connection: MediaConnection, ssrc: number, payloadType: number, onLost: (reason: string) => void, extensions?: RtpExtensionIds): Promise<RtpSendPath>;
  /**
   * Takes every RTP stream the connection receives from now on; `extensions` is read per packet (ids may be learnt later).
   * With `voice` made by this plane's `voiceReceiver`, the plane counts stamped voice into it itself and `onRtp` hears the rest.
   */
  receive(connection: MediaConnection, onRtp: OnRtp, onLost: (reason: string) => void, extensions?: RtpExtensionIds, voice?: VoiceReceiver): Promise<void>;
  /** A batch for the voice senders of one send scheduler (`slots` slots of its packet time). */
  voiceBatch?(slots: number, ptimeMs: number): VoiceBatch;
  /** A voice sender that builds and sends each packet itself (the native plane's, in C) on this plane's send paths; absent: bots/voice/voice-sender.ts. */
  voiceSender?(spec: VoiceSendSpec): VoiceSender;
  /** A receiver whose accounting the plane does itself (the native plane's, in C); absent: bots use bots/stream-receiver.ts. */
  voiceReceiver?(options: VoiceReceiverOptions): VoiceReceiver;
  /** The connection's RTCP: `onPacket` hears each packet received; send() sends a compound. */
  openRtcp(connection: MediaConnection, onPacket: (packet: Buffer) => void): Promise<RtcpPath>;
}
