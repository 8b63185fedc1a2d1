/**
 * The native media plane (ports/media-plane.ts) over the C addon (native/rtcstorm_media.c): the
 * connection's socket is handed to the addon, which protects and sends each packet in one call and
 * unprotects what it receives in batches, each datagram stamped with the kernel's receive time; SRTCP
 * both ways too. One poller per process drains every socket on a short timer and hands JavaScript the
 * batch; RTP goes to the receivers, RTCP (unprotected) and everything else to the connection's stack,
 * consent answers to the consent checks.
 */
import type { RemoteInfo } from 'node:dgram';
import type { MediaConnection, MediaPlane, MediaTransport, OnRtp, ReceivedRtpHeader, RtcpPath, RtpExtensionIds, RtpSendPath, VoiceReceiver } from '../../ports/media-plane.js';
import { hostNowMs } from '../clock.js';
import { udpHandle } from '../dgram-handle.js';
import { deriveSessionKeys } from '../srtp/session-keys.js';
import { RtpPacketBuilder } from '../srtp/rtp-packet.js';
import { ConsentChecks } from '../ice-consent.js';
import { field, kind as recordKind, loadNativeAddon, type NativeMediaAddon } from './native-addon.js';
import { NativeVoiceReceiver } from './native-voice-receiver.js';
import { NativeVoiceBatch, NativeVoiceSender } from './native-voice-sender.js';

/**
 * How often the poller drains the sockets: arrival times are the kernel's, so this only sets how late
 * JavaScript hears of them. 5 ms while some connection hands RTP or RTCP to JavaScript (a video bot's
 * NACKs and PLIs wait for it); 40 ms while every one is a voice bot's counted in C (each socket read
 * half as often: 16% less CPU per datagram at 256 voice bots than at 20 ms, docs/native-plane.md).
 */
const pollEveryMs = Number(process.env.RTCSTORM_NATIVE_POLL_MS ?? 5);
const voicePollEveryMs = Number(process.env.RTCSTORM_NATIVE_VOICE_POLL_MS ?? 40);
const maxRecords = 4096;
const arenaBytes = 4 << 20;

interface Receiving {
  onRtp: OnRtp;
  /** The receiver whose account the addon counts this connection's voice in, if any. */
  voice: NativeVoiceReceiver | undefined;
  extensions: RtpExtensionIds | undefined;
  /** The wide sequence id last handed to the addon. */
  wideSeqId: number;
}

/** A connection's socket, handed to the addon. One per connection, shared by its senders, receiver and RTCP. */
class NativeConnection {
  readonly id: number;
  receiving: Receiving | undefined;
  /** The connection's next transport-wide sequence number, shared by all its SSRCs. */
  wideSeq = 0;
  closed = false;
  private readonly lostListeners: Array<(reason: string) => void> = [];
  private readonly consent: ConsentChecks;
  private readonly rinfo: RemoteInfo;

  constructor(
    private readonly addon: NativeMediaAddon,
    private readonly poller: Poller,
    readonly transport: MediaTransport,
  ) {
    const { socket, keys, remote } = transport;
    const [host, port] = remote;
    const handle = udpHandle(socket);
    if (typeof handle?.fd !== 'number' || handle.fd < 0 || typeof handle.recvStop !== 'function') throw new Error(`native media plane: node:dgram is not the one this was written for (Node 20, 22, 24), running ${process.version}`);
    const rx = deriveSessionKeys(keys.remoteMasterKey, keys.remoteMasterSalt, 'rtp');
    this.id = addon.open(handle.fd, host, port, rx.cipherKey, rx.salt, rx.authKey);
    // SRTCP in C both ways: the stack gets RTCP unprotected and hands its compounds to the addon to protect.
    const rtcpRx = deriveSessionKeys(keys.remoteMasterKey, keys.remoteMasterSalt, 'rtcp');
    const rtcpTx = deriveSessionKeys(keys.localMasterKey, keys.localMasterSalt, 'rtcp');
    addon.srtcp(this.id, rtcpRx.cipherKey, rtcpRx.salt, rtcpRx.authKey, rtcpTx.cipherKey, rtcpTx.salt, rtcpTx.authKey);
    transport.protectRtcpWith((compound, index) => (this.closed ? undefined : (addon.protectRtcp(this.id, compound, index) ?? undefined)));
    // libuv stops reading; the addon's copy of the socket is read from now on.
    handle.recvStop();
    this.rinfo = { address: host, family: 'IPv4', port, size: 0 };

    transport.retireConsent();
    this.consent = new ConsentChecks({
      ...transport.consent,
      send: (request) => this.sendRaw(request),
      integrity: (message, integrityAt, key) => addon.stunIntegrity(message, integrityAt, key),
      onExpired: () => {
        transport.consentExpired();
        for (const onLost of this.lostListeners) onLost('ICE consent expired');
      },
    });
    socket.once('close', () => this.close());
    transport.routeSends((data, addr) => {
      if (this.closed) return false;
      if (addr && (addr[0] !== host || addr[1] !== port)) throw new Error(`native media plane: the socket is connected to ${host}:${port}, not ${addr[0]}:${addr[1]}`);
      this.sendRaw(data);
      return true;
    });
    poller.add(this);
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  sendRaw(data: Buffer): void {
    if (!this.closed) this.addon.sendRaw(this.id, data);
  }

  /** A datagram that is not RTP (or RTP before the receiver opened): consent answers here, the rest to the stack. */
  other(data: Buffer): void {
    if (this.consent.onResponse(data)) return;
    this.transport.deliver(data, { ...this.rinfo, size: data.length });
  }

  /** An RTCP compound the addon has unprotected. */
  rtcp(compound: Buffer): void {
    this.transport.deliverRtcp(compound);
  }

  receive(onRtp: OnRtp, extensions: RtpExtensionIds | undefined, voice: NativeVoiceReceiver | undefined): void {
    this.receiving = { onRtp, voice, extensions, wideSeqId: 0 };
    if (!voice) this.poller.hurry(this);
    this.syncWideSeqId();
    if (voice) this.addon.accountRtp(this.id, voice.account);
    this.addon.receiveRtp(this.id, true);
  }

  /** A target may name the id with a stream that comes after the connection is up: read before each poll. */
  syncWideSeqId(): void {
    const receiving = this.receiving;
    const id = receiving?.extensions?.wideSeqId ?? 0;
    if (receiving && id !== receiving.wideSeqId) {
      receiving.wideSeqId = id;
      this.addon.wideSeqId(this.id, id);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.consent.stop();
    this.poller.remove(this);
    this.addon.close(this.id);
  }
}

/** Drains every connection's socket on a timer, while any is open. */
class Poller {
  /** By the addon's id (small integers, reused after a close). */
  private readonly connections: Array<NativeConnection | undefined> = [];
  private open = 0;
  private readonly withExtensions = new Set<NativeConnection>();
  /** Connections whose RTP or RTCP JavaScript reads: drained at the short interval. */
  private readonly hurried = new Set<NativeConnection>();
  private intervalMs = 0;
  private readonly records: Float64Array;
  private readonly arena = Buffer.allocUnsafeSlow(arenaBytes);
  private readonly header: ReceivedRtpHeader = { ssrc: 0, seq: 0, payloadType: 0, marker: false, wideSeq: -1, arrivalMs: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly addon: NativeMediaAddon) {
    this.records = new Float64Array(maxRecords * addon.recordFields);
  }

  add(connection: NativeConnection): void {
    this.connections[connection.id] = connection;
    this.open++;
    this.schedule();
  }

  hurry(connection: NativeConnection): void {
    if (this.connections[connection.id] !== connection || this.hurried.has(connection)) return;
    this.hurried.add(connection);
    this.schedule();
  }

  /** The timer at the interval the open connections need, none without any. */
  private schedule(): void {
    const intervalMs = this.open === 0 ? 0 : this.hurried.size > 0 ? pollEveryMs : voicePollEveryMs;
    if (intervalMs === this.intervalMs) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.intervalMs = intervalMs;
    if (intervalMs === 0) return;
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  watchExtensions(connection: NativeConnection): void {
    this.withExtensions.add(connection);
  }

  remove(connection: NativeConnection): void {
    if (this.connections[connection.id] !== connection) return;
    this.connections[connection.id] = undefined;
    this.open--;
    this.withExtensions.delete(connection);
    this.hurried.delete(connection);
    this.schedule();
  }

  /** Drains until the sockets are empty or a few batches have gone (the rest waits for the next tick). */
  poll(): void {
    for (const connection of this.withExtensions) connection.syncWideSeqId();
    const { addon, records, arena } = this;
    const fields = addon.recordFields;
    for (let batch = 0; batch < 8; batch++) {
      const count = addon.poll(hostNowMs(), records, arena);
      for (let i = 0, at = 0; i < count; i++, at += fields) this.dispatch(at);
      const last = (count - 1) * fields;
      const full = count === maxRecords || (count > 0 && records[last + field.offset]! + records[last + field.length]! > arena.length - 4096);
      if (!full) return;
    }
  }

  private dispatch(at: number): void {
    const { records, arena, header } = this;
    const connection = this.connections[records[at + field.conn]!];
    if (!connection || connection.closed) return;
    const offset = records[at + field.offset]!;
    const length = records[at + field.length]!;
    const kind = records[at + field.kind]!;
    if (kind === recordKind.other) return connection.other(Buffer.from(arena.subarray(offset, offset + length)));
    if (kind === recordKind.rtcp) return connection.rtcp(Buffer.from(arena.subarray(offset, offset + length)));
    const receiving = connection.receiving;
    if (kind === recordKind.accounted) return receiving?.voice?.heard(records[at + field.arrivalMs]!);
    if (kind !== recordKind.rtp || !receiving) return;
    header.ssrc = records[at + field.ssrc]!;
    header.seq = records[at + field.seq]!;
    const typeMarker = records[at + field.payloadTypeMarker]!;
    header.payloadType = typeMarker & 0x7f;
    header.marker = typeMarker >= 128;
    header.wideSeq = records[at + field.wideSeq]!;
    header.arrivalMs = records[at + field.arrivalMs]!;
    const start = records[at + field.payloadStart]!;
    const end = records[at + field.payloadEnd]!;
    // The arena is reused by the next poll: receivers read a payload during the call and keep none (OnRtp).
    receiving.onRtp(arena, records[at + field.timestamp]!, offset + start, offset + end, header);
  }
}

/** Sends one SSRC's RTP through the addon. */
class NativeRtpSender implements RtpSendPath {
  private readonly builder: RtpPacketBuilder;
  /** The addon's id of this SSRC's SRTP session (voice sent from C goes on it too). */
  readonly id: number;

  constructor(private readonly addon: NativeMediaAddon, connection: NativeConnection, ssrc: number, payloadType: number, extensions: RtpExtensionIds) {
    const { keys } = connection.transport;
    const tx = deriveSessionKeys(keys.localMasterKey, keys.localMasterSalt, 'rtp');
    this.id = addon.sender(connection.id, tx.cipherKey, tx.salt, tx.authKey, ssrc, payloadType, extensions.wideSeqId ?? 0, extensions.audioLevelId ?? 0);
    this.builder = new RtpPacketBuilder(ssrc, payloadType, extensions.wideSeqId ?? 0, extensions.audioLevelId ?? 0, connection);
  }

  packet(payloadBytes: number, seq: number, timestamp: number, marker = false, audioLevel = 127): { buf: Buffer; payload: Buffer; wideSeq: number } {
    return this.builder.packet(payloadBytes, seq, timestamp, marker, audioLevel);
  }

  send(buf: Buffer): void {
    // False when the socket is gone or the kernel refused (the SFU's port closed): the bot's failure detection sees the silence.
    this.addon.sendRtp(this.id, buf, this.builder.headerBytes);
  }
}

/** The native media plane, or why it cannot run here (not built, does not load). */
export function nativeMediaPlane(): MediaPlane | Error {
  const addon = loadNativeAddon();
  if (addon instanceof Error) return addon;
  const poller = new Poller(addon);
  const connections = new WeakMap<MediaConnection, Promise<NativeConnection>>();

  /** The connection's socket, handed to the addon once, whoever asks first. */
  const connectionOf = (connection: MediaConnection, onLost: (reason: string) => void): Promise<NativeConnection> => {
    let native = connections.get(connection);
    if (!native) {
      native = connection.mediaTransport().then((transport) => new NativeConnection(addon, poller, transport));
      connections.set(connection, native);
      native.catch(() => connections.delete(connection));
    }
    return native.then((opened) => {
      opened.onLost(onLost);
      return opened;
    });
  };

  return {
    async openSender(connection, ssrc, payloadType, onLost, extensions = {}): Promise<RtpSendPath> {
      return new NativeRtpSender(addon, await connectionOf(connection, onLost), ssrc, payloadType, extensions);
    },
    async receive(connection, onRtp, onLost, extensions, voice?: VoiceReceiver): Promise<void> {
      const native = await connectionOf(connection, onLost);
      // Only a receiver of this plane has an account in the addon; another one hears its packets through onRtp.
      native.receive(onRtp, extensions, voice instanceof NativeVoiceReceiver ? voice : undefined);
      if (extensions) poller.watchExtensions(native);
    },
    voiceReceiver: (options) => new NativeVoiceReceiver(addon, options),
    voiceBatch: (slots, ptimeMs) => new NativeVoiceBatch(addon, slots, ptimeMs),
    voiceSender: (spec) =>
      new NativeVoiceSender(addon, spec, (path) => {
        if (!(path instanceof NativeRtpSender)) throw new Error('native media plane: a voice sender sends on this plane\'s send paths only');
        return path.id;
      }),
    async openRtcp(connection, onPacket): Promise<RtcpPath> {
      const native = await connectionOf(connection, () => undefined);
      poller.hurry(native);
      const { transport } = native;
      transport.onRtcp(onPacket);
      return { send: (compound) => transport.sendRtcp(compound) };
    },
  };
}
