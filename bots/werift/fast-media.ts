/**
 * rtcstorm's own RTP path on a connected werift peer connection. werift keeps ICE (consent
 * checks included), DTLS and RTCP; RTP is protected and unprotected by bots/srtp and goes straight
 * to and from the socket werift's ICE nominated, skipping werift's per-packet objects, promises
 * and cipher creation. Keys are the ones werift's DTLS exported for its own SRTP session.
 */
import type { Socket } from 'node:dgram';
import type { RTCPeerConnection } from 'werift';
import { deriveSessionKeys } from '../srtp/session-keys.js';
import { rtpHeaderBytes, srtpTagBytes, SrtpRtpReceiver, SrtpRtpSender, writeRtpHeader } from '../srtp/srtp-rtp.js';

/** werift's SRTP profile id for AES_CM_128_HMAC_SHA1_80, the one bots/srtp implements. */
const aesCm128HmacSha1_80 = 0x0001;

/** The parts of werift's UDP transport used here; not in werift's public types. */
interface UdpTransportInternals {
  socket: Socket;
  onData: (data: Buffer, addr: [string, number]) => void;
}

interface MediaSocket {
  transport: UdpTransportInternals;
  remote: readonly [string, number];
  keys: { localMasterKey: Buffer; localMasterSalt: Buffer; remoteMasterKey: Buffer; remoteMasterSalt: Buffer };
}

/** Where werift's connected transport keeps its keys and socket, checked rather than assumed. */
function mediaSocket(pc: RTCPeerConnection): MediaSocket {
  const dtls = pc.dtlsTransports.find((t) => t.state === 'connected');
  if (!dtls) throw new Error('fast media path: the peer connection has no connected DTLS transport');
  const { profile, keys } = dtls.srtp.config;
  if (profile !== aesCm128HmacSha1_80) throw new Error(`fast media path: SRTP profile 0x${profile.toString(16)} negotiated, only AES_CM_128_HMAC_SHA1_80 (0x0001) is implemented`);
  const pair = dtls.iceTransport.connection.nominated;
  const transport = (pair?.protocol as { transport?: Partial<UdpTransportInternals> } | undefined)?.transport;
  if (!pair || !transport?.socket || typeof transport.onData !== 'function') throw new Error('fast media path: no nominated UDP candidate pair (TCP and TURN are not supported)');
  return { transport: transport as UdpTransportInternals, remote: pair.remoteAddr, keys };
}

/** Sends one SSRC's RTP. */
export class FastRtpSender {
  private readonly srtp: SrtpRtpSender;
  private readonly socket: Socket;
  private readonly host: string;
  private readonly port: number;
  private readonly fields = { payloadType: 0, seq: 0, timestamp: 0, ssrc: 0, marker: false };

  constructor(pc: RTCPeerConnection, ssrc: number, payloadType: number) {
    const { transport, remote, keys } = mediaSocket(pc);
    this.srtp = new SrtpRtpSender(deriveSessionKeys(keys.localMasterKey, keys.localMasterSalt, 'rtp'));
    this.socket = transport.socket;
    [this.host, this.port] = remote;
    this.fields.ssrc = ssrc;
    this.fields.payloadType = payloadType;
  }

  /** A zeroed packet with its header written; fill `payload`, then send(). */
  packet(payloadBytes: number, seq: number, timestamp: number): { buf: Buffer; payload: Buffer } {
    // A fresh buffer per packet: the socket may still hold the previous one when send() queues.
    const buf = Buffer.alloc(rtpHeaderBytes + payloadBytes + srtpTagBytes);
    this.fields.seq = seq;
    this.fields.timestamp = timestamp;
    writeRtpHeader(buf, this.fields);
    return { buf, payload: buf.subarray(rtpHeaderBytes, rtpHeaderBytes + payloadBytes) };
  }

  send(buf: Buffer): void {
    const end = buf.length - srtpTagBytes;
    this.srtp.protect(buf, rtpHeaderBytes, end);
    this.socket.send(buf, this.port, this.host);
  }
}

/** Receives every RTP stream on the connection; other datagrams stay werift's. */
export class FastRtpReceiver {
  private readonly srtp: SrtpRtpReceiver;

  constructor(pc: RTCPeerConnection, onRtp: (payload: Buffer, rtpTimestamp: number) => void) {
    const { transport, keys } = mediaSocket(pc);
    const srtp = new SrtpRtpReceiver(deriveSessionKeys(keys.remoteMasterKey, keys.remoteMasterSalt, 'rtp'));
    this.srtp = srtp;
    const werift = transport.onData;
    transport.onData = (data, addr) => {
      // RFC 7983 demultiplexing: 128-191 is RTP or RTCP; RTCP packet types are 192-223 (RFC 5761).
      const first = data[0]!;
      const second = data[1]!;
      if (first < 128 || first > 191 || (second >= 192 && second <= 223)) return werift(data, addr);
      if (!srtp.unprotect(data)) return;
      const { packet } = srtp;
      onRtp(data.subarray(packet.payloadStart, packet.payloadEnd), packet.timestamp);
    };
  }

  /** RTP packets dropped as malformed or unauthenticated. */
  get rejected(): number {
    return this.srtp.rejected;
  }
}
