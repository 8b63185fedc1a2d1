/**
 * A headless participant: joins a room over signalling, publishes one Opus-sized audio stream of
 * stamped packets through werift, consumes every other member, and measures what it receives.
 */
import { EventEmitter } from 'node:events';
import { RTCPeerConnection, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import { ReceiveStats } from '../../core/metrics/media-stats.js';
import type { MetricStore } from '../../core/metrics/store.js';
import type { AudioSpec } from '../../core/scenario/index.js';
import type { TransportInfo } from '../../target-server/protocol.js';
import { hostNowMs } from '../clock.js';
import { payloadBytes, readStamp, writeStamp, type PayloadStamp } from '../media-payload.js';
import { SignallingClient } from '../signalling-client.js';
import { opusClockRate, peerConfig, receiveCapabilities } from './peer-config.js';
import { readDtlsRole, readFingerprint, readSendOffer, recvOffer, sendAnswer, type ConsumerLine } from './sdp.js';

export interface WeriftBotOptions {
  /** Global bot index; also the sender id stamped into every packet. */
  id: number;
  roomId: string;
  url: string;
  group: string;
  audio: AudioSpec;
  store: MetricStore;
  joinTimeoutMs: number;
}

export type BotState = 'idle' | 'joining' | 'connected' | 'failed' | 'closed';

export interface WeriftBotEvents {
  connected: [];
  failed: [Error];
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

export class WeriftBot extends EventEmitter<WeriftBotEvents> {
  state: BotState = 'idle';
  private client: SignallingClient | undefined;
  private sendPc: RTCPeerConnection | undefined;
  private sender: RTCRtpTransceiver | undefined;
  private recvPc: RTCPeerConnection | undefined;
  private recvTransport: TransportInfo | undefined;
  private recvConnected = false;

  private readonly consumers: ConsumerLine[] = [];
  private readonly consumerByProducer = new Map<string, ConsumerLine>();
  private readonly wanted = new Set<string>();
  private negotiating: Promise<void> = Promise.resolve();
  private offerVersion = 1;

  private seq = 0;
  private rtpTimestamp = 0;
  private packetsSentThisSecond = 0;
  private readonly payloadSize: number;
  private readonly samplesPerPacket: number;
  private readonly streams = new Map<number, ReceiveStats>();
  private readonly stamp: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };

  constructor(readonly options: WeriftBotOptions) {
    super();
    this.payloadSize = payloadBytes(options.audio.bitrateKbps, options.audio.ptimeMs);
    this.samplesPerPacket = (opusClockRate * options.audio.ptimeMs) / 1000;
  }

  get peerId(): string {
    return `bot-${this.options.id}`;
  }

  async join(): Promise<void> {
    const { store, group, joinTimeoutMs } = this.options;
    this.state = 'joining';
    const startedAt = hostNowMs();
    try {
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`join took longer than ${joinTimeoutMs} ms`)), joinTimeoutMs).unref());
      await Promise.race([this.connect(joinTimeoutMs), timeout]);
    } catch (error) {
      if ((this.state as BotState) === 'closed') return;
      this.state = 'failed';
      store.count('bots_failed', 1, group);
      this.close();
      this.state = 'failed';
      this.emit('failed', error as Error);
      return;
    }
    if ((this.state as BotState) !== 'joining') return;
    this.state = 'connected';
    store.record('join_time_ms', hostNowMs() - startedAt, group);
    store.count('bots_joined', 1, group);
    this.emit('connected');
  }

  private async connect(timeoutMs: number): Promise<void> {
    const client = await SignallingClient.connect(this.options.url, timeoutMs);
    this.client = client;
    client.on('newProducer', ({ producerId, peerId }) => peerId !== this.peerId && this.subscribe([producerId]));
    client.on('producerClosed', ({ producerId }) => this.unsubscribe(producerId));
    client.on('close', () => {
      if (this.state === 'joining' || this.state === 'connected') this.fail(new Error('signalling socket closed'));
    });
    const joined = await client.request('join', { roomId: this.options.roomId, peerId: this.peerId });
    this.recvTransport = await client.request('createTransport', { direction: 'recv' });
    this.recvPc = new RTCPeerConnection(peerConfig());
    // werift announces a track again on every renegotiation; one subscription per track.
    const tracks = new WeakSet<object>();
    this.recvPc.onTrack.subscribe((track) => {
      if (tracks.has(track)) return;
      tracks.add(track);
      track.onReceiveRtp.subscribe((rtp) => this.onRtp(rtp));
    });
    const others = joined.producers.filter((p) => p.peerId !== this.peerId).map((p) => p.producerId);
    this.subscribe(others);
    await this.publish(client, timeoutMs);
  }

  private async publish(client: SignallingClient, timeoutMs: number): Promise<void> {
    const transport = await client.request('createTransport', { direction: 'send' });
    const pc = new RTCPeerConnection(peerConfig());
    this.sendPc = pc;
    this.sender = pc.addTransceiver('audio', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const offer = readSendOffer(pc.localDescription?.sdp ?? '');
    const connected = connectedState(pc, timeoutMs);
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
  }

  /** Consumes producers; requests that arrive while a negotiation runs are batched into the next one. */
  private subscribe(producerIds: string[]): void {
    for (const id of producerIds) this.wanted.add(id);
    if (producerIds.length === 0) return;
    this.negotiating = this.negotiating.then(() => this.consumeWanted()).catch((error: Error) => this.fail(error));
  }

  private unsubscribe(producerId: string): void {
    this.wanted.delete(producerId);
    const line = this.consumerByProducer.get(producerId);
    if (line) line.active = false;
  }

  private async consumeWanted(): Promise<void> {
    const client = this.client;
    const transport = this.recvTransport;
    const pc = this.recvPc;
    if (!client || !transport || !pc || this.wanted.size === 0 || this.state === 'closed' || this.state === 'failed') return;
    const batch = [...this.wanted];
    this.wanted.clear();
    const consumed = await Promise.all(
      batch.map((producerId) => client.request('consume', { transportId: transport.transportId, producerId, rtpCapabilities: receiveCapabilities }).catch(() => undefined)),
    );
    const fresh = consumed.filter((c) => c !== undefined);
    if (fresh.length === 0) return;
    for (const consumer of fresh) {
      const rtp = consumer.rtpParameters as { mid?: string; codecs: Array<{ payloadType: number }>; encodings: Array<{ ssrc: number }>; rtcp: { cname: string } };
      const line: ConsumerLine = { mid: String(rtp.mid), payloadType: rtp.codecs[0]!.payloadType, ssrc: rtp.encodings[0]!.ssrc, cname: rtp.rtcp.cname, active: true };
      this.consumers.push(line);
      this.consumerByProducer.set(consumer.producerId, line);
    }
    await pc.setRemoteDescription({ type: 'offer', sdp: recvOffer(transport, this.consumers, ++this.offerVersion) });
    const answer = await pc.createAnswer();
    // mediasoup drops DTLS that arrives before connect(), so connect before werift starts its handshake.
    if (!this.recvConnected) {
      this.recvConnected = true;
      await client.request('connectTransport', { transportId: transport.transportId, dtlsParameters: { role: readDtlsRole(answer.sdp), fingerprints: [readFingerprint(answer.sdp)] } });
    }
    await pc.setLocalDescription(answer);
    await Promise.all(fresh.map((c) => client.request('resumeConsumer', { consumerId: c.consumerId })));
  }

  private onRtp(rtp: RtpPacket): void {
    const arrival = hostNowMs();
    if (!readStamp(rtp.payload, this.stamp)) return;
    let stats = this.streams.get(this.stamp.senderId);
    if (!stats) {
      stats = new ReceiveStats(opusClockRate);
      this.streams.set(this.stamp.senderId, stats);
    }
    if (!stats.onPacket(this.stamp.seq, arrival, rtp.header.timestamp)) return;
    this.options.store.record('e2e_latency_ms', arrival - this.stamp.sentAtMs, this.options.group, arrival);
  }

  /** Sends one packet; the fleet process calls this for every connected bot once per packet time. */
  sendPacket(): void {
    const sender = this.sender?.sender;
    if (this.state !== 'connected' || !sender) return;
    const payload = Buffer.alloc(this.payloadSize);
    writeStamp(payload, { senderId: this.options.id, seq: this.seq, sentAtMs: hostNowMs() });
    const header = new RtpHeader({ sequenceNumber: this.seq & 0xffff, timestamp: this.rtpTimestamp >>> 0, marker: false });
    this.seq++;
    this.rtpTimestamp += this.samplesPerPacket;
    this.packetsSentThisSecond++;
    void sender.sendRtp(new RtpPacket(header, payload));
  }

  /** Moves this second's counts and each stream's jitter into the store. */
  sampleSecond(atMs: number): void {
    const { store, group } = this.options;
    if (this.packetsSentThisSecond > 0) store.count('packets_sent', this.packetsSentThisSecond, group, atMs);
    this.packetsSentThisSecond = 0;
    let received = 0;
    let expected = 0;
    for (const stats of this.streams.values()) {
      const delta = stats.takeDelta();
      received += delta.received;
      expected += delta.expected;
      if (delta.received > 0) store.record('jitter_ms', stats.jitterMs, group, atMs);
    }
    if (expected > 0) store.count('packets_expected', expected, group, atMs);
    if (received > 0) store.count('packets_received', received, group, atMs);
  }

  private fail(error: Error): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    const wasConnected = this.state === 'connected';
    this.close();
    this.state = 'failed';
    if (wasConnected) this.options.store.count('bots_failed', 1, this.options.group);
    this.emit('failed', error);
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    void this.sendPc?.close();
    void this.recvPc?.close();
    this.client?.close();
  }
}
