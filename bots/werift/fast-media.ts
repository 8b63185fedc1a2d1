/**
 * rtcstorm's own RTP path, the TypeScript media plane (ports/media-plane.ts), on a connected
 * connection: werift's peer connection, whose media transport bots/werift/werift-internals.ts takes
 * out. werift keeps ICE connectivity, DTLS and RTCP; RTP is protected and unprotected by bots/srtp and
 * goes straight to and from the socket werift's ICE nominated, skipping werift's per-packet objects,
 * promises and cipher creation, and ICE consent checks come from bots/ice-consent.ts. Keys are the ones
 * werift's DTLS exported for its own SRTP session.
 */
import type { MediaConnection, MediaPlane, MediaTransport, OnRtp, RtcpPath, RtpExtensionIds, RtpSendPath, SrtpMasterKeys, UdpAddress } from '../../ports/media-plane.js';
import type { Socket } from 'node:dgram';
import { deriveSessionKeys } from '../srtp/session-keys.js';
import { ConsentChecks } from '../ice-consent.js';
import { onDatagram } from './werift-internals.js';
import { srtpTagBytes, SrtpRtpReceiver, SrtpRtpSender } from '../srtp/srtp-rtp.js';
import { RtpPacketBuilder } from '../srtp/rtp-packet.js';

/** RFC 7983 demultiplexing: 128-191 is RTP or RTCP; RTCP packet types are 192-223 (RFC 5761). */
function isRtp(data: Buffer): boolean {
  const first = data[0]!;
  const second = data[1]!;
  return first >= 128 && first <= 191 && (second < 192 || second > 223);
}


/**
 * The socket of the connection's nominated candidate pair, taken over: connected to the remote end,
 * so sending skips the per-datagram address lookup (and its tick), and read by one listener that
 * hands RTP to `onRtp`, consent answers to the consent checks (bots/ice-consent.ts, which replace the
 * connection's), and everything else to the connection's stack as its own listener would. Every
 * `onLost` listener hears when consent expires. One per connection: its senders, its receiver and
 * its RTCP share it, and its transport-wide sequence numbers.
 */
class NominatedSocket {
  readonly socket: Socket;
  readonly keys: SrtpMasterKeys;
  onRtp: ((data: Buffer) => void) | undefined;
  /** The connection's next transport-wide sequence number, shared by all its SSRCs. */
  wideSeq = 0;
  private readonly lostListeners: Array<(reason: string) => void> = [];
  private readonly remote: UdpAddress;
  private connected = false;

  constructor(readonly transport: MediaTransport) {
    this.socket = transport.socket;
    this.keys = transport.keys;
    this.remote = transport.remote;
    const [host, port] = this.remote;

    transport.retireConsent();
    const consent = new ConsentChecks({
      ...transport.consent,
      send: (request) => this.send(request),
      onExpired: () => {
        transport.consentExpired();
        for (const onLost of this.lostListeners) onLost('ICE consent expired');
      },
    });
    this.socket.once('close', () => consent.stop());

    // Bots gather IPv4 only (peer-config.ts), so werift's IPv6 scope-id handling is not needed here.
    this.socket.removeAllListeners('message');
    onDatagram(this.socket, (data, rinfo) => {
      if (this.onRtp && isRtp(data)) return this.onRtp(data);
      if (consent.onResponse(data)) return;
      transport.deliver(data, rinfo);
    });

    // A connected socket hears the kernel's ICMP errors: once the SFU's port is gone (a killed worker
    // or node), sends and reads fail with ECONNREFUSED. That is the bot's media going silent, which
    // its failure detection sees; unhandled, the error event would end the whole fleet process.
    this.socket.on('error', () => undefined);

    transport.routeSends((data, addr) => {
      if (!this.connected) return false;
      if (addr && (addr[0] !== host || addr[1] !== port)) throw new Error(`fast media path: socket is connected to ${host}:${port}, not ${addr[0]}:${addr[1]}`);
      this.socket.send(data);
      return true;
    });
    this.socket.connect(port, host, (error?: Error) => {
      // A socket closed meanwhile stays unconnected; the stack's close path needs nothing from here.
      if (!error) this.connected = true;
    });
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  send(data: Buffer): void {
    try {
      if (this.connected) this.socket.send(data);
      else this.socket.send(data, this.remote[1], this.remote[0]);
    } catch {
      // werift closed the socket (its transport ended) before the bot noticed: the bot's failure
      // handling takes over; a throw here would stop the send tick of every bot in the process.
    }
  }
}

const nominatedSockets = new WeakMap<MediaConnection, Promise<NominatedSocket>>();

/** The connection's socket, taken over once, whoever asks first. */
function nominatedSocket(connection: MediaConnection, onLost: (reason: string) => void): Promise<NominatedSocket> {
  let nominated = nominatedSockets.get(connection);
  if (!nominated) {
    nominated = connection.mediaTransport().then((transport) => new NominatedSocket(transport));
    nominatedSockets.set(connection, nominated);
    // A failed take-over may be asked again (a rejoin opens new connections anyway).
    nominated.catch(() => nominatedSockets.delete(connection));
  }
  return nominated.then((socket) => {
    socket.onLost(onLost);
    return socket;
  });
}

/** Sends one SSRC's RTP. */
export class FastRtpSender implements RtpSendPath {
  private readonly srtp: SrtpRtpSender;
  private readonly builder: RtpPacketBuilder;

  static async open(connection: MediaConnection, ssrc: number, payloadType: number, onLost: (reason: string) => void, extensions: RtpExtensionIds = {}): Promise<FastRtpSender> {
    return new FastRtpSender(await nominatedSocket(connection, onLost), ssrc, payloadType, extensions.wideSeqId ?? 0, extensions.audioLevelId ?? 0);
  }

  private constructor(private readonly nominated: NominatedSocket, ssrc: number, payloadType: number, wideSeqId: number, audioLevelId: number) {
    const { keys } = this.nominated;
    this.srtp = new SrtpRtpSender(deriveSessionKeys(keys.localMasterKey, keys.localMasterSalt, 'rtp'));
    this.builder = new RtpPacketBuilder(ssrc, payloadType, wideSeqId, audioLevelId, nominated);
  }

  packet(payloadBytes: number, seq: number, timestamp: number, marker = false, audioLevel = 127): { buf: Buffer; payload: Buffer; wideSeq: number } {
    return this.builder.packet(payloadBytes, seq, timestamp, marker, audioLevel);
  }

  send(buf: Buffer): void {
    this.srtp.protect(buf, this.builder.headerBytes, buf.length - srtpTagBytes);
    this.nominated.send(buf);
  }
}

/** Receives every RTP stream on the connection from now on: `onRtp` gets each payload as bytes[start, end). */
export async function receiveFastRtp(connection: MediaConnection, onRtp: OnRtp, onLost: (reason: string) => void, extensions: RtpExtensionIds = {}): Promise<void> {
  const nominated = await nominatedSocket(connection, onLost);
  const srtp = new SrtpRtpReceiver(deriveSessionKeys(nominated.keys.remoteMasterKey, nominated.keys.remoteMasterSalt, 'rtp'));
  const { packet } = srtp;
  nominated.onRtp = (data) => {
    // Read per packet: a target may name the id with a stream that comes after the connection is up.
    srtp.wideSeqId = extensions.wideSeqId ?? 0;
    if (srtp.unprotect(data)) onRtp(data, packet.timestamp, packet.payloadStart, packet.payloadEnd, packet);
  };
}

/** The connection's RTCP, through the stack's SRTCP session, on the taken-over socket. */
async function openFastRtcp(connection: MediaConnection, onPacket: (packet: Buffer) => void): Promise<RtcpPath> {
  const { transport } = await nominatedSocket(connection, () => undefined);
  transport.onRtcp(onPacket);
  return { send: (compound) => transport.sendRtcp(compound) };
}

/** The TypeScript media plane. */
export const typescriptMediaPlane: MediaPlane = {
  openSender: (connection, ssrc, payloadType, onLost, extensions) => FastRtpSender.open(connection, ssrc, payloadType, onLost, extensions),
  receive: receiveFastRtp,
  openRtcp: openFastRtcp,
};
