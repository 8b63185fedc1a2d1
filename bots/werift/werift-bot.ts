/**
 * A headless participant: joins a room over signalling, publishes one Opus-sized audio stream of
 * stamped packets through werift, consumes every other member, and measures what it receives.
 * When its node fails (socket closed, transport failed, or silence from everyone) it asks the
 * directory again and rejoins, with capped exponential backoff and seeded jitter.
 */
import { EventEmitter } from 'node:events';
import { RTCPeerConnection, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import type { MetricStore } from '../../core/metrics/store.js';
import type { AudioSpec, RecoverySpec, TalkSpec } from '../../core/scenario/index.js';
import { maxBatch, type ProducerInfo, type TransportInfo } from '../../target-server/protocol.js';
import { hostNowMs } from '../clock.js';
import { Recovery } from '../recovery.js';
import { locateRoom } from '../locate-room.js';
import { directRoute, type MediaPath, type MediaRoute } from '../media-route.js';
import { payloadBytes, payloadHeaderBytes, writeStamp, type PayloadStamp } from '../media-payload.js';
import { SignallingClient } from '../signalling-client.js';
import { StreamReceiver } from '../stream-receiver.js';
import { dtxIntervalMs, TalkModel } from '../talk-model.js';
import { withTimeout } from '../with-timeout.js';
import { FastRtpSender, receiveFastRtp } from './fast-media.js';
import { opusClockRate, peerConfig, receiveCapabilities } from './peer-config.js';
import { readDtlsParameters, readSendOffer, recvOffer, sendAnswer, type ConsumerLine } from './sdp.js';

export interface WeriftBotOptions {
  /** Global bot index; also the sender id stamped into every packet. */
  id: number;
  roomId: string;
  /** The plan's room as `room-<index>`, the same in every run of the scenario. */
  room: string;
  /** A directory (http) or one SFU node (ws): see locate-room.ts. */
  signallingUrl: string;
  group: string;
  audio: AudioSpec;
  store: MetricStore;
  joinTimeoutMs: number;
  recovery: RecoverySpec;
  /** Seeded per bot: backoff jitter is part of the replayable run. */
  random: () => number;
  /** How the bot reaches the target: directly (default), through an impairment relay, or from a network namespace. */
  route?: MediaRoute;
  /** Listeners only subscribe. */
  role: 'speaker' | 'listener';
  talk: TalkSpec;
  /**
   * How RTP is sent and received once werift has connected ICE and DTLS: `fast` (default) through
   * rtcstorm's own SRTP path on the same socket, `werift` through werift's RTP stack (the stock cost,
   * which `npm run bench` measures side by side).
   */
  mediaPath?: 'fast' | 'werift';
}

export type BotState = 'idle' | 'joining' | 'connected' | 'recovering' | 'failed' | 'closed';

export interface WeriftBotEvents {
  connected: [];
  failed: [Error];
  recovered: [];
}

/** One connection to one node: signalling socket, send and receive peer connections. */
interface Session {
  client: SignallingClient;
  sender?: RTCRtpTransceiver;
  /** Set instead of `sender` on the fast media path. */
  fastSender?: FastRtpSender;
  /** Why the session was lost while the bot was still joining. */
  lostReason?: string;
  /** Whether RTP on the receive transport goes through the fast media path yet. */
  fastReceiving: boolean;
  sendPc?: RTCPeerConnection;
  recvPc: RTCPeerConnection;
  /** As the route gives it: its candidates may point at a relay. */
  recvTransport: TransportInfo;
  recvPath: MediaPath;
  sendPath?: MediaPath;
  /** Who publishes each producer: received streams are named after their sender on the route. */
  peerOfProducer: Map<string, string>;
  recvConnected: boolean;
  consumers: ConsumerLine[];
  consumerByProducer: Map<string, ConsumerLine>;
  wanted: Set<string>;
  negotiating: Promise<void>;
  offerVersion: number;
  /** When the last subscription was resumed: silence is measured from here or the last packet. */
  subscribedAtMs: number;
  closed: boolean;
}

function connectedState(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`peer connection not connected after ${timeoutMs} ms`)), timeoutMs);
    const { unSubscribe } = pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        clearTimeout(timer);
        unSubscribe();
        resolve();
      } else if (state === 'failed' || state === 'closed') {
        clearTimeout(timer);
        unSubscribe();
        reject(new Error(`peer connection ${state}`));
      }
    });
  });
}

/** Ids in requests of at most `maxBatch`, as the protocol takes them. */
function inBatches(ids: string[]): string[][] {
  return Array.from({ length: Math.ceil(ids.length / maxBatch) }, (_, i) => ids.slice(i * maxBatch, (i + 1) * maxBatch));
}

export class WeriftBot extends EventEmitter<WeriftBotEvents> {
  state: BotState = 'idle';
  private session: Session | undefined;
  private readonly receiver: StreamReceiver;
  private readonly recovery: Recovery;

  private seq = 0;
  private rtpTimestamp = 0;
  private packetsSentThisSecond = 0;
  private packetsSkippedThisSecond = 0;
  private readonly payloadSize: number;
  private readonly samplesPerPacket: number;
  private readonly talk: TalkModel;
  private readonly stamp: PayloadStamp;

  constructor(readonly options: WeriftBotOptions) {
    super();
    this.payloadSize = payloadBytes(options.audio.bitrateKbps, options.audio.ptimeMs);
    this.samplesPerPacket = (opusClockRate * options.audio.ptimeMs) / 1000;
    this.talk = new TalkModel(options.talk, options.random);
    this.stamp = { senderId: options.id, seq: 0, sentAtMs: 0 };
    this.recovery = new Recovery(options.recovery, options.random, options.store, options.group, options.room);
    this.receiver = new StreamReceiver({
      store: options.store,
      group: options.group,
      room: options.room,
      clockRateHz: opusClockRate,
      // With DTX a silent talker still sends every 400 ms: a gap is what is longer than that, with margin.
      gapThresholdMs: options.talk.model === 'p59' && options.talk.dtx ? Math.max(options.recovery.gapThresholdMs, 2.5 * dtxIntervalMs) : options.recovery.gapThresholdMs,
      onMedia: (arrivalMs) => this.state === 'connected' && this.recovery.mediaBack(arrivalMs),
    });
  }

  private get fastMedia(): boolean {
    return this.options.mediaPath !== 'werift';
  }

  get peerId(): string {
    return `bot-${this.options.id}`;
  }

  /** The first join: a failure here is final (bots_failed); later failures are recovered from. */
  async join(): Promise<void> {
    const { store, group, joinTimeoutMs } = this.options;
    this.state = 'joining';
    const startedAt = hostNowMs();
    try {
      await withTimeout(this.open(), joinTimeoutMs, 'join');
    } catch (error) {
      if ((this.state as BotState) === 'closed') return;
      this.closeSession();
      this.state = 'failed';
      store.count('bots_failed', 1, group);
      // A session lost mid-join closes its peer connections: the loss is the cause, not the closing.
      this.emit('failed', this.session?.lostReason ? new Error(this.session.lostReason) : (error as Error));
      return;
    }
    if ((this.state as BotState) !== 'joining') return;
    this.state = 'connected';
    store.record('join_time_ms', hostNowMs() - startedAt, group);
    store.count('bots_joined', 1, group);
    this.emit('connected');
  }

  private async open(): Promise<void> {
    const { joinTimeoutMs } = this.options;
    const route = this.options.route ?? directRoute;
    const { url } = await locateRoom(route.reach(this.options.signallingUrl), this.options.roomId, joinTimeoutMs);
    const client = await SignallingClient.connect(route.reach(url), joinTimeoutMs);
    // Producers announced while the receive transport is set up (a relay adds a thread round trip) are kept, not missed.
    const announced: ProducerInfo[] = [];
    const early = (producer: ProducerInfo): void => void announced.push(producer);
    client.on('newProducer', early);
    const joined = await client.request('join', { roomId: this.options.roomId, peerId: this.peerId }).catch((error: Error) => {
      client.close();
      throw error;
    });
    const recvPath = await route.open(await client.request('createTransport', { direction: 'recv' }));
    const recvPc = new RTCPeerConnection(peerConfig(recvPath.transport));
    const session: Session = {
      client,
      recvPc,
      recvTransport: recvPath.transport,
      recvPath,
      peerOfProducer: new Map([...joined.producers, ...announced].map((p) => [p.producerId, p.peerId])),
      recvConnected: false,
      fastReceiving: false,
      consumers: [],
      consumerByProducer: new Map(),
      wanted: new Set(),
      negotiating: Promise.resolve(),
      offerVersion: 1,
      subscribedAtMs: hostNowMs(),
      closed: false,
    };
    this.session = session;
    client.off('newProducer', early);
    client.on('newProducer', ({ producerId, peerId }) => {
      session.peerOfProducer.set(producerId, peerId);
      if (peerId !== this.peerId) this.subscribe(session, [producerId]);
    });
    client.on('producerClosed', ({ producerId }) => this.unsubscribe(session, producerId));
    client.on('close', () => this.lost(session, 'signalling socket closed'));
    // werift announces a track again on every renegotiation; one subscription per track.
    const tracks = new WeakSet<object>();
    recvPc.onTrack.subscribe((track) => {
      if (tracks.has(track)) return;
      tracks.add(track);
      track.onReceiveRtp.subscribe((rtp) => this.receiver.onPayload(rtp.payload, rtp.header.timestamp));
    });
    recvPc.connectionStateChange.subscribe((state) => {
      if (state === 'failed') this.lost(session, 'receive transport failed');
      if (state === 'connected' && this.fastMedia && !session.fastReceiving) {
        session.fastReceiving = true;
        // Packets before the switch went through werift's path above; none is counted twice.
        const lost = (reason: string): void => this.lost(session, `receive transport: ${reason}`);
        receiveFastRtp(recvPc, (bytes, timestamp, start, end) => this.receiver.onPayload(bytes, timestamp, start, end), lost).catch((error: Error) => lost(error.message));
      }
    });
    this.subscribe(session, [...joined.producers, ...announced].filter((p) => p.peerId !== this.peerId).map((p) => p.producerId));
    if (this.options.role === 'speaker') return this.publish(session, joinTimeoutMs);
    // A listener has joined once what it subscribed to at join time flows (or at once in an empty room).
    await session.negotiating;
    if (session.consumers.length > 0) await connectedState(recvPc, joinTimeoutMs);
  }

  private async publish(session: Session, timeoutMs: number): Promise<void> {
    const { client } = session;
    session.sendPath = await (this.options.route ?? directRoute).open(await client.request('createTransport', { direction: 'send' }));
    const transport = session.sendPath.transport;
    const pc = new RTCPeerConnection(peerConfig(transport));
    session.sendPc = pc;
    const sender = pc.addTransceiver('audio', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const offer = readSendOffer(pc.localDescription?.sdp ?? '');
    session.sendPath.nameStream(offer.ssrc, this.peerId);
    const connected = connectedState(pc, timeoutMs);
    // Awaited only after the requests below; if one of them fails first, this must not go unhandled.
    connected.catch(() => undefined);
    // The answer below says a=setup:passive (mediasoup is the DTLS server), so werift is the client.
    await client.request('connectTransport', { transportId: transport.transportId, dtlsParameters: { role: 'client', fingerprints: [offer.fingerprint] } });
    await pc.setRemoteDescription({ type: 'answer', sdp: sendAnswer(transport, offer) });
    await client.request('produce', {
      transportId: transport.transportId,
      kind: 'audio',
      rtpParameters: {
        mid: offer.mid,
        codecs: [{ mimeType: 'audio/opus', payloadType: offer.payloadType, clockRate: opusClockRate, channels: 2, parameters: { minptime: 10, useinbandfec: 1 }, rtcpFeedback: [] }],
        headerExtensions: [],
        encodings: [{ ssrc: offer.ssrc }],
        rtcp: { cname: offer.cname, reducedSize: true },
      },
    });
    await connected;
    if (this.fastMedia) session.fastSender = await FastRtpSender.open(pc, offer.ssrc, offer.payloadType, (reason) => this.lost(session, `send transport: ${reason}`));
    else session.sender = sender;
    pc.connectionStateChange.subscribe((state) => state === 'failed' && this.lost(session, 'send transport failed'));
  }

  /** Consumes producers; requests that arrive while a negotiation runs are batched into the next one. */
  private subscribe(session: Session, producerIds: string[]): void {
    for (const id of producerIds) session.wanted.add(id);
    if (producerIds.length === 0) return;
    session.negotiating = session.negotiating.then(() => this.consumeWanted(session)).catch((error: Error) => this.lost(session, `subscribe: ${error.message}`));
  }

  private unsubscribe(session: Session, producerId: string): void {
    session.wanted.delete(producerId);
    const line = session.consumerByProducer.get(producerId);
    if (line) line.active = false;
  }

  private async consumeWanted(session: Session): Promise<void> {
    const { client, recvTransport: transport } = session;
    if (session.closed || session.wanted.size === 0) return;
    const batch = [...session.wanted];
    session.wanted.clear();
    // The fast media path has nothing to set up per consumer (see negotiateRecv), so its consumers start flowing at once.
    const paused = !this.fastMedia;
    const replies = await Promise.all(inBatches(batch).map((producerIds) => client.request('consumeMany', { transportId: transport.transportId, producerIds, rtpCapabilities: receiveCapabilities, paused })));
    const fresh = replies.flatMap((reply) => reply.consumers);
    if (fresh.length === 0) return;
    for (const consumer of fresh) {
      const rtp = consumer.rtpParameters as { mid?: string; codecs: Array<{ payloadType: number }>; encodings: Array<{ ssrc: number }>; rtcp: { cname: string } };
      const line: ConsumerLine = { mid: String(rtp.mid), payloadType: rtp.codecs[0]!.payloadType, ssrc: rtp.encodings[0]!.ssrc, cname: rtp.rtcp.cname, active: true };
      session.consumers.push(line);
      session.consumerByProducer.set(consumer.producerId, line);
      session.recvPath.nameStream(line.ssrc, session.peerOfProducer.get(consumer.producerId) ?? consumer.producerId);
    }
    if (!this.fastMedia || !session.recvConnected) await this.negotiateRecv(session);
    if (paused) await Promise.all(inBatches(fresh.map((c) => c.consumerId)).map((consumerIds) => client.request('resumeConsumers', { consumerIds })));
    session.subscribedAtMs = hostNowMs();
  }

  /**
   * Offers werift the consumers as mediasoup sends them. The fast media path receives every RTP
   * stream of the transport whatever its SSRC, so there only the first negotiation is made, with one
   * m-line: it sets up ICE and DTLS, and later consumers flow without one. A renegotiation costs
   * werift a parse and a transceiver per m-line, and the server sees none of it (mediasoup speaks
   * no SDP), so in a join storm it was loader CPU that loaded nothing. Stream packets that arrive
   * before the fast path takes the socket over are dropped by werift, which knows only the
   * negotiated SSRC; a stream's loss is counted from its first packet received.
   */
  private async negotiateRecv(session: Session): Promise<void> {
    const { client, recvTransport: transport, recvPc: pc } = session;
    const offered = this.fastMedia ? session.consumers.slice(0, 1) : session.consumers;
    await pc.setRemoteDescription({ type: 'offer', sdp: recvOffer(transport, offered, ++session.offerVersion) });
    const answer = await pc.createAnswer();
    // mediasoup drops DTLS that arrives before connect(), so connect before werift starts its handshake.
    if (!session.recvConnected) {
      session.recvConnected = true;
      await client.request('connectTransport', { transportId: transport.transportId, dtlsParameters: readDtlsParameters(answer.sdp) });
    }
    await pc.setLocalDescription(answer);
  }

  /**
   * Silence from everyone it subscribes to, for longer than the media timeout, is a failure too:
   * a paused or partitioned node closes no socket. Called by the fleet process a few times a second.
   */
  checkMedia(nowMs: number): void {
    const session = this.session;
    if (this.state !== 'connected' || !session || !session.consumers.some((c) => c.active)) return;
    const heardAt = Math.max(this.receiver.lastArrivalMs, session.subscribedAtMs);
    if (nowMs - heardAt > this.options.recovery.mediaTimeoutMs) this.lost(session, `no media for ${Math.round(nowMs - heardAt)} ms`);
  }

  private lost(session: Session, reason: string): void {
    if (session !== this.session || session.closed) return;
    if (this.state === 'joining') {
      session.lostReason = reason;
      this.closeSession();
      return;
    }
    if (this.state !== 'connected') return;
    void this.recover(reason);
  }

  private async recover(reason: string): Promise<void> {
    const { joinTimeoutMs } = this.options;
    this.state = 'recovering';
    this.recovery.failed(this.receiver.lastArrivalMs);
    this.closeSession();
    const rejoined = await this.recovery.retry(
      () => (this.state as BotState) === 'closed',
      () => withTimeout(this.open(), joinTimeoutMs, `rejoin after "${reason}"`).catch((error: unknown) => {
        this.closeSession();
        throw error;
      }),
    );
    if (!rejoined) return;
    if ((this.state as BotState) === 'closed') return void this.closeSession();
    this.state = 'connected';
    this.emit('recovered');
  }

  /**
   * One packet time: speech, a comfort-noise packet (DTX) or nothing, as the talk model says. The RTP
   * clock advances either way, as Opus's does, so receivers' jitter stays right across pauses.
   */
  sendPacket(): void {
    const session = this.session;
    const fast = session?.fastSender;
    const sender = session?.sender?.sender;
    if (this.state !== 'connected' || !(fast || sender)) return;
    const timestamp = this.rtpTimestamp >>> 0;
    this.rtpTimestamp += this.samplesPerPacket;
    const now = hostNowMs();
    const kind = this.talk.next(now);
    if (kind === 'none') return;
    const size = kind === 'speech' ? this.payloadSize : payloadHeaderBytes;
    this.stamp.seq = this.seq;
    this.stamp.sentAtMs = now;
    if (fast) {
      const packet = fast.packet(size, this.seq, timestamp);
      writeStamp(packet.payload, this.stamp);
      fast.send(packet.buf);
    } else if (sender) {
      const payload = Buffer.alloc(size);
      writeStamp(payload, this.stamp);
      void sender.sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: this.seq & 0xffff, timestamp, marker: false }), payload));
    }
    this.seq++;
    this.packetsSentThisSecond++;
  }

  /**
   * Packet times the process was too late for: what the talk model would have sent is counted as
   * skipped, and the RTP clock moves on, as a client's capture clock does through a stall.
   */
  skipPackets(count: number): void {
    const session = this.session;
    if (this.state !== 'connected' || !(session?.fastSender || session?.sender?.sender)) return;
    const now = hostNowMs();
    for (let k = count; k >= 1; k--) {
      this.rtpTimestamp += this.samplesPerPacket;
      if (this.talk.next(now - k * this.options.audio.ptimeMs) !== 'none') this.packetsSkippedThisSecond++;
    }
  }

  /** Moves this second's counts and each stream's jitter into the store. */
  sampleSecond(atMs: number): void {
    const { store, group } = this.options;
    if (this.packetsSentThisSecond > 0) store.count('packets_sent', this.packetsSentThisSecond, group, atMs);
    if (this.packetsSkippedThisSecond > 0) store.count('packets_skipped', this.packetsSkippedThisSecond, group, atMs);
    this.packetsSentThisSecond = 0;
    this.packetsSkippedThisSecond = 0;
    this.receiver.sampleSecond(atMs);
  }

  private closeSession(): void {
    const session = this.session;
    if (!session || session.closed) return;
    session.closed = true;
    void session.sendPc?.close();
    void session.recvPc.close();
    session.sendPath?.close();
    session.recvPath.close();
    session.client.close();
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeSession();
  }
}
