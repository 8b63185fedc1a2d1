/**
 * The media plane: a bot's RTP once its connection's DTLS is done, built, protected and sent, and
 * received, off the WebRTC stack's own per-packet path. The TypeScript plane (bots/werift/fast-media.ts)
 * is one implementation; a native one can take its place without touching bots or metrics. A plane
 * sees a connection only as a `MediaConnection`: what it takes over from it, in the terms below; the
 * stack's side of that (werift's: bots/werift/werift-internals.ts) is the stack's business.
 */
import type { RemoteInfo, Socket } from 'node:dgram';

/** One SSRC's outgoing RTP. */
export interface RtpSendPath {
  /** A zeroed packet with its header written; fill `payload`, then send(buf). */
  packet(payloadBytes: number, seq: number, timestamp: number): { buf: Buffer; payload: Buffer };
  send(buf: Buffer): void;
}

/** `payload` is bytes[start, end) of the decrypted datagram. */
export type OnRtp = (bytes: Buffer, rtpTimestamp: number, start: number, end: number) => void;

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
 * other answers: the plane hands it every datagram that is neither RTP nor a consent answer, and
 * carries what it sends.
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
}

/** A connection as a plane sees it. */
export interface MediaConnection {
  /**
   * Its transport, once its DTLS is done and SRTP keyed; rejects when DTLS fails or closes first, or
   * when the connection has no UDP candidate pair or keys a plane implements.
   */
  mediaTransport(): Promise<MediaTransport>;
}

export interface MediaPlane {
  /** Sends `ssrc` on the connection; `onLost`: its socket or keys went away. */
  openSender(connection: MediaConnection, ssrc: number, payloadType: number, onLost: (reason: string) => void): Promise<RtpSendPath>;
  /** Takes every RTP stream the connection receives from now on. */
  receive(connection: MediaConnection, onRtp: OnRtp, onLost: (reason: string) => void): Promise<void>;
}
