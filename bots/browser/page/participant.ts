/**
 * One participant in the page, as a web client built on mediasoup-client joins: locate the room,
 * join over signalling, load the Device with the router's capabilities, publish microphone (and
 * camera) from Chromium's fake devices, consume every other member, and play what it receives.
 */
import { Device } from 'mediasoup-client';
import type { Consumer, DtlsParameters, IceCandidate, IceParameters, RtpCapabilities, RtpParameters, Transport, TransportOptions } from 'mediasoup-client/types';
import type { TransportInfo } from '../../../target-server/protocol.js';
import { locateRoom } from '../../../targets/locate-room.js';
import type { PageJoin, PageStats } from '../page-api.js';
import { collectStats } from './collect-stats.js';
import { passThrough, stampSent, unstampReceived, type FrameLog } from './encoded-frames.js';
import { PageSignalling } from './page-signalling.js';

function transportOptions(info: TransportInfo): TransportOptions {
  return {
    id: info.transportId,
    iceParameters: info.iceParameters as IceParameters,
    iceCandidates: info.iceCandidates as IceCandidate[],
    dtlsParameters: info.dtlsParameters as DtlsParameters,
    iceServers: [],
    // Every frame passes through encoded streams: the stamp goes on and comes off there.
    additionalSettings: { encodedInsertableStreams: true },
  };
}

function connected(transport: Transport, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`send transport not connected after ${timeoutMs} ms`)), timeoutMs);
    transport.on('connectionstatechange', (state) => {
      if (state === 'connected') resolve();
      else if (state === 'failed' || state === 'closed') reject(new Error(`send transport ${state}`));
      else return;
      clearTimeout(timer);
    });
  });
}

/** Received media must be played: Chromium decodes (and counts concealment, freezes) only for a sink. */
function play(consumer: Consumer): HTMLMediaElement {
  const element = document.createElement(consumer.kind);
  element.muted = consumer.kind === 'video';
  element.srcObject = new MediaStream([consumer.track]);
  document.body.append(element);
  void element.play();
  return element;
}

export class PageParticipant {
  private readonly device = new Device({ handlerName: 'Chrome111' });
  private signalling: PageSignalling | undefined;
  private sendTransport: Transport | undefined;
  private recvTransport: Promise<Transport> | undefined;
  private readonly consumers = new Map<string, { consumer: Consumer; element: HTMLMediaElement }>();
  private stream: MediaStream | undefined;
  private joined = false;
  private left = false;

  constructor(
    private readonly config: PageJoin,
    private readonly log: FrameLog,
    private readonly onFailed: (reason: string) => void,
  ) {}

  async join(): Promise<void> {
    const { config } = this;
    const { url } = await locateRoom(config.signallingUrl, config.roomId, config.timeoutMs);
    const signalling = await PageSignalling.open(url, config.timeoutMs);
    this.signalling = signalling;
    signalling.onClose = () => this.fail('signalling socket closed');
    signalling.onNotification = (message) => {
      if (message.notification === 'newProducer' && message.data.peerId !== config.peerId) void this.consume(message.data.producerId);
      if (message.notification === 'producerClosed') this.unconsume(message.data.producerId);
    };
    const joined = await signalling.request('join', { roomId: config.roomId, peerId: config.peerId });
    await this.device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as RtpCapabilities });
    this.recvTransport = this.createTransport('recv');
    for (const producer of joined.producers) if (producer.peerId !== config.peerId) void this.consume(producer.producerId);
    await this.publish();
    this.joined = true;
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<Transport> {
    const signalling = this.signalling!;
    const options = transportOptions(await signalling.request('createTransport', { direction }));
    const transport = direction === 'send' ? this.device.createSendTransport(options) : this.device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      signalling.request('connectTransport', { transportId: transport.id, dtlsParameters: { ...dtlsParameters } }).then(() => done(), fail);
    });
    transport.on('connectionstatechange', (state) => state === 'failed' && this.fail(`${direction} transport failed`));
    return transport;
  }

  private async publish(): Promise<void> {
    const { audio, video, senderId, timeoutMs } = this.config;
    const transport = await this.createTransport('send');
    this.sendTransport = transport;
    transport.on('produce', ({ kind, rtpParameters }, done, fail) => {
      this.signalling!.request('produce', { transportId: transport.id, kind, rtpParameters: { ...rtpParameters } }).then(({ producerId }) => done({ id: producerId }), fail);
    });
    const isConnected = connected(transport, timeoutMs);
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: video ? { width: video.width, height: video.height, frameRate: video.fps } : false });
    await transport.produce({
      track: this.stream.getAudioTracks()[0]!,
      codecOptions: { opusPtime: audio.ptimeMs, opusMaxAverageBitrate: audio.bitrateKbps * 1000 },
      onRtpSender: (sender) => stampSent(sender, senderId, this.log),
    });
    const camera = this.stream.getVideoTracks()[0];
    if (camera) await transport.produce({ track: camera, onRtpSender: passThrough });
    await isConnected;
  }

  private async consume(producerId: string): Promise<void> {
    const signalling = this.signalling!;
    try {
      const transport = await this.recvTransport!;
      const offered = await signalling.request('consume', { transportId: transport.id, producerId, rtpCapabilities: { ...this.device.rtpCapabilities } });
      const consumer = await transport.consume({
        id: offered.consumerId,
        producerId,
        kind: offered.kind,
        rtpParameters: offered.rtpParameters as RtpParameters,
        onRtpReceiver: (receiver) => (offered.kind === 'audio' ? unstampReceived(receiver, this.log) : passThrough(receiver)),
      });
      this.consumers.set(producerId, { consumer, element: play(consumer) });
      await signalling.request('resumeConsumer', { consumerId: consumer.id });
    } catch (error) {
      // A producer that closed meanwhile is gone for good; anything else is this participant failing.
      if (!/not-found/.test((error as Error).message)) this.fail(`consume: ${(error as Error).message}`);
    }
  }

  private unconsume(producerId: string): void {
    const entry = this.consumers.get(producerId);
    if (!entry) return;
    this.consumers.delete(producerId);
    entry.consumer.close();
    entry.element.remove();
  }

  get audioConsumers(): number {
    return [...this.consumers.values()].filter(({ consumer }) => consumer.kind === 'audio').length;
  }

  async stats(): Promise<PageStats> {
    const transports = [this.sendTransport, await this.recvTransport].filter((t): t is Transport => t !== undefined);
    return collectStats(transports);
  }

  leave(): void {
    this.left = true;
    for (const producerId of [...this.consumers.keys()]) this.unconsume(producerId);
    this.sendTransport?.close();
    void this.recvTransport?.then((t) => t.close());
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.signalling?.close();
  }

  /** Failures before join() resolved reject the join instead. */
  private fail(reason: string): void {
    if (this.joined && !this.left) this.onFailed(reason);
  }
}
