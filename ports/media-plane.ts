/**
 * The media plane: a bot's RTP once its connection's DTLS is done, built, protected and sent, and
 * received, off werift's own per-packet path. The TypeScript plane (bots/werift/fast-media.ts) is one
 * implementation; a native one can take its place without touching bots or metrics. `Connection` is
 * whatever the plane reads the keys and the nominated socket from (werift's RTCPeerConnection).
 */

/** One SSRC's outgoing RTP. */
export interface RtpSendPath {
  /** A zeroed packet with its header written; fill `payload`, then send(buf). */
  packet(payloadBytes: number, seq: number, timestamp: number): { buf: Buffer; payload: Buffer };
  send(buf: Buffer): void;
}

/** `payload` is bytes[start, end) of the decrypted datagram. */
export type OnRtp = (bytes: Buffer, rtpTimestamp: number, start: number, end: number) => void;

export interface MediaPlane<Connection> {
  /** Sends `ssrc` on the connection; `onLost`: its socket or keys went away. */
  openSender(connection: Connection, ssrc: number, payloadType: number, onLost: (reason: string) => void): Promise<RtpSendPath>;
  /** Takes every RTP stream the connection receives from now on. */
  receive(connection: Connection, onRtp: OnRtp, onLost: (reason: string) => void): Promise<void>;
}
