/**
 * rtcstorm's own protocol (ports/rtcstorm-protocol.ts): the bundled mediasoup cluster, `rtcstorm
 * target`, or any server that speaks it. A directory URL (http) is asked where each room lives on
 * every (re)join; a ws URL is one node. mediasoup speaks no SDP: the send side is the
 * participant's offer answered from the send transport's parameters, the receive side an offer of
 * the consumers written from the receive transport's (mediasoup-sdp.ts).
 */
import type { AdapterInit, JoinOptions, Participant, ParticipantConnection, TargetAdapter, TargetSession } from '../../ports/target-adapter.js';
import { maxBatch, type ProducerInfo, type TransportInfo } from '../../ports/rtcstorm-protocol.js';
import { locateRoom } from '../locate-room.js';
import { enterOrLeave } from '../enter-room.js';
import { audioLevelUri, readDtlsParameters, readSendSections, recvOffer, sendAnswer, transportCcUri, type ConsumerLine, type SendSection } from './mediasoup-sdp.js';
import { SignallingClient } from './signalling-client.js';

const opusClockRate = 48000;

const videoFeedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }];

/** What a participant can receive, in mediasoup's RtpCapabilities shape, for consume(). */
export const receiveCapabilities = {
  codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: opusClockRate, channels: 2, preferredPayloadType: 100, parameters: {}, rtcpFeedback: [] }],
  headerExtensions: [],
};

/** The same with VP8, for participants that receive video (browsers). */
const audioVideoCapabilities = {
  codecs: [...receiveCapabilities.codecs, { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 101, parameters: {}, rtcpFeedback: videoFeedback }],
  headerExtensions: [],
};

/** The router's id for transport-wide sequence numbers (mediasoup's supportedRtpCapabilities): consume() keeps only matching ids. */
const routerWideSeqId = 5;

/**
 * For participants whose media path takes every stream (werift bots): VP8 with RTX, and transport-wide
 * sequence numbers on video, whose feedback drives mediasoup's downlink estimate and layer choice.
 */
const botVideoCapabilities = {
  codecs: [
    ...receiveCapabilities.codecs,
    { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 101, parameters: {}, rtcpFeedback: [...videoFeedback, { type: 'transport-cc' }] },
    { kind: 'video', mimeType: 'video/rtx', clockRate: 90000, preferredPayloadType: 102, parameters: { apt: 101 }, rtcpFeedback: [] },
  ],
  headerExtensions: [{ kind: 'video', uri: transportCcUri, preferredId: routerWideSeqId, preferredEncrypt: false, direction: 'sendrecv' }],
};

/** produce()'s parameters for one track of the participant's offer. */
function producedRtp(section: SendSection): Record<string, unknown> {
  const rtcp = { cname: section.cname, reducedSize: true };
  if (section.kind === 'audio') {
    const codec = { mimeType: 'audio/opus', payloadType: section.payloadType, clockRate: opusClockRate, channels: 2, parameters: { minptime: 10, useinbandfec: 1 }, rtcpFeedback: [] };
    // The audio level lets the target's active-speaker features (mediasoup's AudioLevelObserver) hear the bot.
    const headerExtensions = section.audioLevelId === undefined ? [] : [{ uri: audioLevelUri, id: section.audioLevelId, encrypt: false, parameters: {} }];
    return { mid: section.mid, codecs: [codec], headerExtensions, encodings: [{ ssrc: section.ssrc }], rtcp };
  }
  const { rtxPayloadType, wideSeqId } = section;
  const feedback = wideSeqId === undefined ? videoFeedback : [...videoFeedback, { type: 'transport-cc' }];
  const codecs = [
    { mimeType: 'video/VP8', payloadType: section.payloadType, clockRate: 90000, parameters: {}, rtcpFeedback: feedback },
    ...(rtxPayloadType === undefined ? [] : [{ mimeType: 'video/rtx', payloadType: rtxPayloadType, clockRate: 90000, parameters: { apt: section.payloadType }, rtcpFeedback: [] }]),
  ];
  const encodings = (section.encodings ?? [{ ssrc: section.ssrc }]).map((e) => ({ ssrc: e.ssrc, ...(e.rtxSsrc === undefined || rtxPayloadType === undefined ? {} : { rtx: { ssrc: e.rtxSsrc } }) }));
  const headerExtensions = wideSeqId === undefined ? [] : [{ uri: transportCcUri, id: wideSeqId, encrypt: false, parameters: {} }];
  return { mid: section.mid, codecs, headerExtensions, encodings, rtcp };
}

interface ConsumerRtp {
  mid?: string;
  codecs: Array<{ payloadType: number; mimeType: string }>;
  encodings: Array<{ ssrc: number; rtx?: { ssrc: number } }>;
  headerExtensions?: Array<{ uri: string; id: number }>;
  rtcp: { cname: string };
}

/** A consumer as the participant's offer writes it: its SSRC, and its RTX stream and transport-wide sequence numbers where negotiated. */
function consumerLine(consumer: { kind: string; rtpParameters: unknown }): ConsumerLine {
  const rtp = consumer.rtpParameters as ConsumerRtp;
  const encoding = rtp.encodings[0]!;
  const line: ConsumerLine = { mid: String(rtp.mid), payloadType: rtp.codecs[0]!.payloadType, ssrc: encoding.ssrc, cname: rtp.rtcp.cname, active: true };
  if (consumer.kind !== 'video') return line;
  line.kind = 'video';
  const rtx = rtp.codecs.find((c) => c.mimeType.toLowerCase() === 'video/rtx');
  if (rtx && encoding.rtx) line.rtx = { ssrc: encoding.rtx.ssrc, payloadType: rtx.payloadType };
  const wide = rtp.headerExtensions?.find((e) => e.uri === transportCcUri);
  if (wide) line.wideSeqId = wide.id;
  return line;
}

/** Ids in requests of at most `maxBatch`, as the protocol takes them. */
function inBatches(ids: string[]): string[][] {
  return Array.from({ length: Math.ceil(ids.length / maxBatch) }, (_, i) => ids.slice(i * maxBatch, (i + 1) * maxBatch));
}

/** One participant in one room on one node. */
class RoomSession implements TargetSession {
  private recv: ParticipantConnection | undefined;
  private recvTransport: TransportInfo | undefined;
  /** Whether connect() has been sent for the receive transport (mediasoup drops DTLS before it). */
  private recvConnected = false;
  private offerVersion = 1;
  private readonly consumers: ConsumerLine[] = [];
  private readonly consumerByProducer = new Map<string, ConsumerLine>();
  /** Who publishes each producer: received streams are named after their sender. */
  private readonly peerOfProducer = new Map<string, string>();
  private readonly wanted = new Set<string>();
  private negotiating: Promise<void> = Promise.resolve();
  private send: ParticipantConnection | undefined;
  private closed = false;

  constructor(
    private readonly client: SignallingClient,
    private readonly participant: Participant,
    private readonly options: JoinOptions,
  ) {}

  async enter(): Promise<void> {
    const { client, participant, options } = this;
    // Producers announced while the receive side is set up (a relay adds a thread round trip) are kept, not missed.
    const announced: ProducerInfo[] = [];
    const early = (producer: ProducerInfo): void => void announced.push(producer);
    client.on('newProducer', early);
    const joined = await client.request('join', { roomId: options.roomId, peerId: participant.peerId });
    this.recvTransport = await client.request('createTransport', { direction: 'recv' });
    this.recv = participant.openConnection('subscribe');
    const present = [...joined.producers, ...announced];
    for (const p of present) this.peerOfProducer.set(p.producerId, p.peerId);
    client.off('newProducer', early);
    client.on('newProducer', ({ producerId, peerId, kind }) => {
      this.peerOfProducer.set(producerId, peerId);
      if (peerId !== participant.peerId && participant.receives.includes(kind)) this.subscribe([producerId]);
    });
    client.on('producerClosed', ({ producerId }) => this.unsubscribe(producerId));
    client.on('close', () => !this.closed && participant.dropped('signalling socket closed'));
    this.subscribe(present.filter((p) => p.peerId !== participant.peerId && participant.receives.includes(p.kind)).map((p) => p.producerId));
    if (options.publish) return this.publish();
    // A listener has joined once what it subscribed to at join time is negotiated.
    await this.negotiating;
  }

  private async publish(): Promise<void> {
    const { client } = this;
    const transport = await client.request('createTransport', { direction: 'send' });
    const send = this.participant.openConnection('publish');
    this.send = send;
    const { sections, fingerprint } = readSendSections(await send.createOffer({ send: this.participant.publishes }));
    // The answer says a=setup:passive (mediasoup is the DTLS server), so the participant is the client.
    await client.request('connectTransport', { transportId: transport.transportId, dtlsParameters: { role: 'client', fingerprints: [fingerprint] } });
    await send.acceptAnswer(sendAnswer(transport, sections));
    for (const section of sections) await client.request('produce', { transportId: transport.transportId, kind: section.kind, rtpParameters: producedRtp(section) });
  }

  /** Consumes producers; requests that arrive while a negotiation runs are batched into the next one. */
  private subscribe(producerIds: string[]): void {
    for (const id of producerIds) this.wanted.add(id);
    if (producerIds.length === 0) return;
    this.negotiating = this.negotiating
      .then(() => this.consumeWanted())
      .catch((error: Error) => {
        if (!this.closed) this.participant.dropped(`subscribe: ${error.message}`);
      });
  }

  private unsubscribe(producerId: string): void {
    this.wanted.delete(producerId);
    const line = this.consumerByProducer.get(producerId);
    if (!line?.active) return;
    line.active = false;
    this.recv?.ended(line.ssrc);
  }

  private async consumeWanted(): Promise<void> {
    const { client, recvTransport: transport, recv } = this;
    if (this.closed || !transport || !recv || this.wanted.size === 0) return;
    const batch = [...this.wanted];
    this.wanted.clear();
    // A participant that takes every stream has nothing to set up per consumer (see negotiate), so its consumers flow at once.
    const paused = !this.participant.takesEveryStream;
    const video = this.participant.receives.includes('video');
    const rtpCapabilities = !video ? receiveCapabilities : this.participant.takesEveryStream ? botVideoCapabilities : audioVideoCapabilities;
    const replies = await Promise.all(inBatches(batch).map((producerIds) => client.request('consumeMany', { transportId: transport.transportId, producerIds, rtpCapabilities, paused })));
    const fresh = replies.flatMap((reply) => reply.consumers);
    if (fresh.length === 0) return;
    for (const consumer of fresh) {
      const line = consumerLine(consumer);
      this.consumers.push(line);
      this.consumerByProducer.set(consumer.producerId, line);
      const peerId = this.peerOfProducer.get(consumer.producerId) ?? consumer.producerId;
      recv.receiving({ ssrc: line.ssrc, peerId, kind: line.kind ?? 'audio', ...(line.rtx ? { rtxSsrc: line.rtx.ssrc } : {}), ...(line.wideSeqId === undefined ? {} : { wideSeqId: line.wideSeqId }) });
    }
    if (!this.participant.takesEveryStream || !this.recvConnected) await this.negotiate(transport, recv);
    if (paused) await Promise.all(inBatches(fresh.map((c) => c.consumerId)).map((consumerIds) => client.request('resumeConsumers', { consumerIds })));
  }

  /**
   * Offers the participant the consumers as mediasoup sends them. One that takes every RTP stream
   * of the transport, whatever its SSRC, is offered once, with one m-line: that sets up ICE and
   * DTLS, and later consumers flow without a renegotiation. A renegotiation costs the participant
   * a parse and a transceiver per m-line, and the server sees none of it (mediasoup speaks no
   * SDP), so in a join storm it was loader CPU that loaded nothing. Packets of streams that arrive
   * before such a participant's media path takes the socket over are dropped (its WebRTC stack
   * knows only the negotiated SSRC); a stream's loss is counted from its first packet received.
   */
  private async negotiate(transport: TransportInfo, recv: ParticipantConnection): Promise<void> {
    const offered = this.participant.takesEveryStream ? this.consumers.slice(0, 1) : this.consumers;
    const answer = await recv.createAnswer(recvOffer(transport, offered, ++this.offerVersion));
    // mediasoup drops DTLS that arrives before connect(), so connect before the participant starts its handshake.
    if (!this.recvConnected) {
      this.recvConnected = true;
      await this.client.request('connectTransport', { transportId: transport.transportId, dtlsParameters: readDtlsParameters(answer) });
    }
    await recv.applyAnswer();
  }

  async leave(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.send?.close();
    this.recv?.close();
    this.client.close();
  }
}

class RtcstormAdapter implements TargetAdapter {
  constructor(private readonly url: string) {}

  async join(participant: Participant, options: JoinOptions): Promise<TargetSession> {
    const { url } = await locateRoom(options.reach(this.url), options.roomId, options.timeoutMs);
    const client = await SignallingClient.connect(options.reach(url), options.timeoutMs);
    return enterOrLeave(new RoomSession(client, participant, options));
  }

  async close(): Promise<void> {}
}

export function createAdapter(init: AdapterInit): TargetAdapter {
  return new RtcstormAdapter(init.url);
}
