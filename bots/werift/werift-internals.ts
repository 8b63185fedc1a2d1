/**
 * Every use of werift's and Node's internals, in one place: the parts of werift 0.24.4's ICE and UDP
 * transport that a media plane takes over (as ports/media-plane.ts's MediaTransport), and Node's UDP
 * handle under a dgram socket. Each access checks its shape and fails loudly, naming the version it
 * was written for; loading this module checks werift's version first.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { RtcpPacketConverter, type RTCDtlsTransport, type RTCPeerConnection } from 'werift';
import type { MediaTransport } from '../../ports/media-plane.js';
import { installedWeriftVersion, weriftVersion } from './werift-version.js';
import { udpHandle } from '../dgram-handle.js';

export { weriftVersion };

const installed = installedWeriftVersion();
if (installed !== weriftVersion) throw new Error(`werift ${installed} is installed; rtcstorm's fast media path and patch are for werift ${weriftVersion} (bots/werift/werift-internals.ts, patches/)`);

export type Address = readonly [string, number];

/** The parts of werift's UDP transport used here; not in werift's public types. */
export interface UdpTransportInternals {
  socket: Socket;
  rinfo?: RemoteInfo;
  onData: (data: Buffer, addr: Address) => void;
  send: (data: Buffer, addr?: Address) => Promise<void>;
}

/** The parts of werift's ICE connection the consent checks take over; private in werift's types. */
export interface IceConnectionInternals {
  /** werift's consent loop runs while its session id is the connection's. */
  consentSessionId: number;
  consentExpiryTimer: NodeJS.Timeout | undefined;
  queryConsentHandle: unknown;
  /** werift sends nothing (its RTCP included) while this is false. */
  consentFresh: boolean;
  localUsername: string;
  remoteUsername: string;
  remotePassword: string;
  tieBreaker: bigint;
  iceControlling: boolean;
  remoteIsLite: boolean;
}

/**
 * Retires werift's consent checks as its own stopConsentLifecycle() would, but without cancelling
 * the loop: that aborts an AbortController, whose event dispatch and two DOMExceptions cost about 2%
 * of a join. With a new session id, werift's loop sends nothing more and ends by itself when its
 * current wait (at most 6 s) is over; its expiry timer is cleared here.
 */
export function retireWeriftConsent(ice: IceConnectionInternals): void {
  ice.consentSessionId++;
  clearTimeout(ice.consentExpiryTimer);
  ice.consentExpiryTimer = undefined;
  ice.queryConsentHandle = undefined;
  ice.consentFresh = true;
}

export function iceInternals(connection: unknown): IceConnectionInternals {
  const ice = connection as Partial<IceConnectionInternals>;
  if (typeof ice.consentSessionId !== 'number' || !('queryConsentHandle' in ice) || typeof ice.tieBreaker !== 'bigint' || typeof ice.remotePassword !== 'string') throw new Error('fast media path: werift\'s ICE connection is not the one this was written for (werift 0.24.4)');
  return ice as IceConnectionInternals;
}

/** werift's SRTP profile id for AES_CM_128_HMAC_SHA1_80, the one bots/srtp implements. */
const aesCm128HmacSha1_80 = 0x0001;

/**
 * The connection's (bundled) DTLS transport once its handshake is done and SRTP keyed. werift can
 * report the peer connection connected before that: a renegotiation while the handshake runs finds
 * ICE connected and announces the connection without waiting for DTLS.
 */
function keyedTransport(pc: RTCPeerConnection): Promise<RTCDtlsTransport> {
  const dtls = pc.dtlsTransports[0];
  if (!dtls) return Promise.reject(new Error('fast media path: the peer connection has no DTLS transport'));
  if (dtls.state === 'connected') return Promise.resolve(dtls);
  return new Promise((resolve, reject) => {
    const { unSubscribe } = dtls.onStateChange.subscribe((state) => {
      if (state === 'connected') resolve(dtls);
      else if (state === 'failed' || state === 'closed') reject(new Error(`fast media path: DTLS ${state}`));
      else return;
      unSubscribe();
    });
  });
}

/** What of werift's keyed DTLS transport a media plane takes over: its nominated UDP socket, SRTP keys and ICE consent. */
function mediaTransportOf(dtls: RTCDtlsTransport): MediaTransport {
  let rtcpListener: ((packet: Buffer) => void) | undefined;
  const { profile, keys } = dtls.srtp.config;
  if (profile !== aesCm128HmacSha1_80) throw new Error(`fast media path: SRTP profile 0x${profile.toString(16)} negotiated, only AES_CM_128_HMAC_SHA1_80 (0x0001) is implemented`);
  const pair = dtls.iceTransport.connection.nominated;
  const transport = (pair?.protocol as { transport?: Partial<UdpTransportInternals> } | undefined)?.transport;
  if (!pair || !transport?.socket || typeof transport.onData !== 'function' || typeof transport.send !== 'function') throw new Error('fast media path: no nominated UDP candidate pair (TCP and TURN are not supported)');
  const udp = transport as UdpTransportInternals;
  const ice = iceInternals(dtls.iceTransport.connection);
  return {
    socket: udp.socket,
    remote: pair.remoteAddr,
    keys,
    consent: { username: `${ice.remoteUsername}:${ice.localUsername}`, password: ice.remotePassword, tieBreaker: ice.tieBreaker, nominate: ice.iceControlling && ice.remoteIsLite },
    retireConsent: () => retireWeriftConsent(ice),
    consentExpired: () => {
      ice.consentFresh = false;
    },
    deliver: (data, rinfo) => {
      udp.rinfo = rinfo;
      udp.onData(data, [rinfo.address, rinfo.port]);
    },
    routeSends: (send) => {
      const weriftSend = udp.send;
      udp.send = async (data, addr) => {
        if (!send(data, addr)) return weriftSend(data, addr);
      };
    },
    onRtcp: (listener) => {
      rtcpListener = listener;
      tapSrtcp(dtls, listener);
    },
    deliverRtcp: (compound) => {
      if (rtcpListener) return eachRtcpPacket(compound, rtcpListener);
      // What werift's DTLS transport does with a compound once it has decrypted it (RTCDtlsTransport.startSrtp).
      let packets: ReturnType<typeof RtcpPacketConverter.deSerialize>;
      try {
        packets = RtcpPacketConverter.deSerialize(compound);
      } catch {
        return;
      }
      for (const rtcp of packets) {
        try {
          dtls.onRtcp.execute(rtcp);
        } catch {
          // werift logs a listener's error and goes on to the next packet.
        }
      }
    },
    protectRtcpWith: (protect) => {
      const srtcp = srtcpInternals(dtls);
      const own = srtcp.encrypt.bind(srtcp);
      srtcp.encrypt = (compound) => {
        if (compound.length < 8) return own(compound);
        // werift's own index for the SSRC, advanced as its encryptRTCP does (wrapping at 2^31).
        const state = srtcp.localContext.getSrtcpSsrcState(compound.readUInt32BE(4));
        const index = (state.srtcpIndex + 1) % 0x80000000;
        const protectedRtcp = protect(compound, index);
        if (!protectedRtcp) return own(compound);
        state.srtcpIndex = index;
        return protectedRtcp;
      };
    },
    sendRtcp: (compound) => {
      const protectedRtcp = dtls.srtcp.encrypt(compound);
      void dtls.iceTransport.connection.send(protectedRtcp).catch(() => undefined);
    },
  };
}

const empty = Buffer.alloc(0);

/** The parts of werift's SRTCP session used here. */
interface SrtcpInternals {
  decrypt: (data: Buffer) => Buffer;
  encrypt: (compound: Buffer) => Buffer;
  localContext: { getSrtcpSsrcState(ssrc: number): { srtcpIndex: number } };
}

function srtcpInternals(dtls: RTCDtlsTransport): SrtcpInternals {
  const srtcp = dtls.srtcp as unknown as Partial<SrtcpInternals>;
  if (typeof srtcp.decrypt !== 'function' || typeof srtcp.encrypt !== 'function' || typeof srtcp.localContext?.getSrtcpSsrcState !== 'function') {
    throw new Error('fast media path: werift\'s SRTCP session is not the one this was written for (werift 0.24.4)');
  }
  return srtcp as SrtcpInternals;
}

/** Each packet of an RTCP compound (RFC 3550 §6.1). */
function eachRtcpPacket(compound: Buffer, listener: (packet: Buffer) => void): void {
  for (let at = 0; at + 4 <= compound.length; ) {
    const length = 4 * (compound.readUInt16BE(at + 2) + 1);
    if (at + length > compound.length) break;
    listener(compound.subarray(at, at + length));
    at += length;
  }
}

/**
 * Hands `listener` each RTCP packet werift decrypts, as the target sent it: werift's own objects
 * serialize some packets differently from what arrived (transport-wide feedback among them), so the
 * decrypted compound is taken before werift parses it, and split here (RFC 3550 §6.1).
 */
function tapSrtcp(dtls: RTCDtlsTransport, listener: (packet: Buffer) => void): void {
  const srtcp = srtcpInternals(dtls);
  const decrypt = srtcp.decrypt.bind(srtcp);
  srtcp.decrypt = (data) => {
    eachRtcpPacket(decrypt(data), listener);
    // The plane has the connection's RTCP: werift's parse of it (transport-wide feedback ten times a second) would be work for nothing.
    return empty;
  };
}

/** `pc`'s media transport, once its DTLS is done and SRTP keyed (ports/media-plane.ts). */
export async function weriftMediaTransport(pc: RTCPeerConnection): Promise<MediaTransport> {
  return mediaTransportOf(await keyedTransport(pc));
}

/**
 * Hands each datagram of `socket` to `listener` straight from Node's handle, without the 'message'
 * event: among a fleet process's hundreds of sockets, whose listener maps differ, EventEmitter's
 * lookup of the listener goes megamorphic (measured in docs/werift.md). Read errors still reach the
 * socket's 'error' listeners.
 */
export function onDatagram(socket: Socket, listener: (data: Buffer, rinfo: RemoteInfo) => void): void {
  const handle = udpHandle(socket);
  if (typeof handle?.onmessage !== 'function') throw new Error(`fast media path: node:dgram is not the one this was written for (Node 20, 22, 24), running ${process.version}`);
  const emitting = handle.onmessage;
  handle.onmessage = (nread, from, data, rinfo) => {
    if (nread < 0) emitting(nread, from, data, rinfo);
    else listener(data, rinfo);
  };
}
