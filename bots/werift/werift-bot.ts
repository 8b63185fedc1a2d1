/**
 * A headless participant: joins a room through the target's adapter, publishes one Opus stream
 * (real libopus speech, the stamp in each packet's padding) through werift, receives every other member, and measures what
 * it receives. When it loses the target (the adapter says it was dropped, a transport failed, or
 * silence from everyone) it rejoins, with capped exponential backoff and seeded jitter.
 */
import { peerIdOf } from '../../core/plan/plan.js';
import { EventEmitter } from 'node:events';
import { RtpHeader, RtpPacket, type RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import type { MetricStore } from '../../core/metrics/store.js';
import type { AudioSpec, RecoverySpec, TalkSpec, VideoSpec } from '../../core/scenario/index.js';
import { seededRandom } from '../../core/plan/random.js';
import { directRoute, type MediaRoute } from '../../ports/media-route.js';
import type { Participant, ParticipantConnection, TargetAdapter, TargetSession } from '../../ports/target-adapter.js';
import { hostNowMs } from '../clock.js';
import { reportIceServers } from '../ice-servers.js';
import { Recovery } from '../recovery.js';
import { fillerClip, voiceClip } from '../voice/voice-clip.js';
import { ScriptVoiceSender } from '../voice/voice-sender.js';
import { StreamReceiver } from '../stream-receiver.js';
import { dtxIntervalMs } from '../talk-model.js';
import { withTimeout } from '../with-timeout.js';
import type { MediaPlane, ReceivedRtpHeader, RtpExtensionIds, RtpSendPath, VoiceBatch, VoiceReceiver, VoiceReceiverOptions, VoiceSender, VoiceSendSpec } from '../../ports/media-plane.js';
import { opusClockRate } from './peer-config.js';
import { WeriftConnection } from './werift-connection.js';
import { videoClip } from '../video/clips.js';
import { simulcastLadder, type SimulcastLayer } from '../video/simulcast.js';
import { VideoPublisher } from '../video/video-publisher.js';
import { VideoSubscriber } from '../video/video-subscriber.js';
import type { SimulcastSsrcs } from './simulcast-offer.js';

export interface WeriftBotOptions {
  /** Global bot index; also the sender id stamped into every packet. */
  id: number;
  roomId: string;
  /** The plan's room as `room-<index>`, the same in every run of the scenario. */
  room: string;
  /** The target's signalling: every join and rejoin goes through it. */
  adapter: TargetAdapter;
  /** Whether the target is on loopback: then only 127.0.0.1 is gathered (peer-config.ts). */
  loopbackOnly?: boolean;
  /**
   * Whether the run keeps every packet on the host (a loopback target, reached directly or from a
   * network namespace): ICE servers a target names elsewhere are not asked. Default: `loopbackOnly`.
   */
  targetOnLoopback?: boolean;
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
  /** The fast path's RTP, as the process wires it (the fleet process: the TypeScript plane, bots/werift/fast-media.ts). */
  mediaPlane: MediaPlane;
  /** Video to send (speakers) and receive; null or absent: audio only. Needs the fast media path. */
  video?: VideoSpec | null;
}

/** `away`: out of the room by a churn step, until `rejoining`; neither is a failure. */
export type BotState = 'idle' | 'joining' | 'connected' | 'recovering' | 'away' | 'rejoining' | 'failed' | 'closed';

export interface WeriftBotEvents {
  connected: [];
  failed: [Error];
  recovered: [];
}

/** One stay in the room: the adapter's session and the bot's peer connections in it. */
interface Session {
  target?: TargetSession;
  send?: WeriftConnection;
  /** Receive connections: one for most targets, one per stream for WHEP. */
  recvs: WeriftConnection[];
  sender?: RTCRtpTransceiver;
  /** Set instead of `sender` on the fast media path. */
  fastSender?: RtpSendPath;
  /** Streams the target says the receive connection carries now, by SSRC. */
  streams: Set<number>;
  /** The receive connection's header extension ids, as the target's streams say them (read by the plane per packet). */
  wideSeqIds: RtpExtensionIds;
  /** When the last stream was added: silence is measured from here or the last packet. */
  subscribedAtMs: number;
  /** Why the session was lost while the bot was still joining. */
  lostReason?: string;
  /** A video bot's video, sent and received, on this session's connections. */
  videoOut?: VideoPublisher;
  videoIn?: VideoSubscriber;
  closed: boolean;
}

/** The received picture's layer in the bots' ladder (clips.ts): 160, 320 and 640 wide are 0, 1 and 2. */
const layerOfWidth = (width: number): number | undefined => ({ 160: 0, 320: 1, 640: 2 })[width];

/** Resolves when `pc` is connected (at once if it is), rejects when it fails or the time is up. */
function connectedState(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve();
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

const voiceSamplesPerPacket = (ptimeMs: number): number => (opusClockRate * ptimeMs) / 1000;

export class WeriftBot extends EventEmitter<WeriftBotEvents> implements Participant {
  private stateNow: BotState = 'idle';
  private session: Session | undefined;
  private readonly receiver: VoiceReceiver;
  private readonly recovery: Recovery;
  /** A churn leave that came while the bot was still rejoining from the previous one, and whether its rejoin came too. */
  private churnWhenBack: { rejoin: boolean } | undefined;

  private packetsSentThisSecond = 0;
  private packetsSkippedThisSecond = 0;
  /** The bot's voice on the fast path: the plane's own sender if it has one (the native plane's, in C), else JavaScript's. */
  private readonly voiceOut: VoiceSender;
  /** The same voice through werift's own RTP sender (mediaPath: werift). */
  private readonly scriptVoice: ScriptVoiceSender | undefined;
  /** A video bot's simulcast layers and SSRCs (lowest first), and its own random numbers for its video. */
  private readonly video: { layers: SimulcastLayer[]; ssrcs: SimulcastSsrcs; random: () => number; spec: VideoSpec } | null;

  constructor(readonly options: WeriftBotOptions) {
    super();
    const spec = options.video ?? null;
    if (spec && options.mediaPath === 'werift') throw new Error('video bots send on the fast media path only (mediaPath: fast)');
    if (spec) {
      // One draw from the bot's sequence seeds its video's: a run stays reproducible, and video draws never shift the talk model's.
      const random = seededRandom(Math.floor(options.random() * 0x100000000));
      const layers = simulcastLadder(spec.width, spec.height, spec.bitrateKbps ?? 1000, spec.simulcast ?? 1);
      const ssrc = (): number => 1 + Math.floor(random() * 0xfffffffe);
      this.video = { layers, ssrcs: { ssrcs: layers.map(ssrc), rtxSsrcs: layers.map(ssrc) }, random, spec };
    } else this.video = null;
    const speech = options.audio.content !== 'filler';
    const ptimeMs = options.audio.ptimeMs;
    // The talk model draws from a generator of its own, seeded by one draw of the bot's: the same on every plane.
    const voice: VoiceSendSpec = {
      clip: (speech ? voiceClip : fillerClip)(options.audio.bitrateKbps, ptimeMs),
      talk: options.talk,
      talkSeed: Math.floor(options.random() * 0x100000000),
      botId: options.id,
      samplesPerPacket: voiceSamplesPerPacket(ptimeMs),
      ptimeMs,
    };
    const planeSends = options.mediaPath !== 'werift' && !spec;
    this.voiceOut = (planeSends && options.mediaPlane.voiceSender?.(voice)) || new ScriptVoiceSender(voice);
    this.scriptVoice = options.mediaPath === 'werift' ? (this.voiceOut as ScriptVoiceSender) : undefined;
    this.recovery = new Recovery(options.recovery, options.random, options.store, options.group, options.room);
    const receiving: VoiceReceiverOptions = {
      store: options.store,
      group: options.group,
      room: options.room,
      clockRateHz: opusClockRate,
      // With DTX a silent talker still sends every 400 ms: a gap is what is longer than that, with margin.
      gapThresholdMs: options.talk.model === 'p59' && options.talk.dtx ? Math.max(options.recovery.gapThresholdMs, 2.5 * dtxIntervalMs) : options.recovery.gapThresholdMs,
      ...(speech ? { playout: { ptimeMs: options.audio.ptimeMs } } : {}),
    };
    // The plane counts a voice bot's packets itself if it can (the native plane, in C); a video bot's audio shares its video's connection, whose packets its video receiver hears too.
    const planeCounts = options.mediaPath !== 'werift' && !spec;
    this.receiver = (planeCounts && options.mediaPlane.voiceReceiver?.(receiving)) || new StreamReceiver(receiving);
  }

  get state(): BotState {
    return this.stateNow;
  }

  /** Every change of state: a voice sent in the plane's batch sends exactly while the bot is connected. */
  set state(next: BotState) {
    this.stateNow = next;
    this.syncVoicePath();
  }

  private syncVoicePath(): void {
    this.voiceOut.sendOn?.(this.stateNow === 'connected' ? this.session?.fastSender : undefined);
  }

  /** The send scheduler's batch: the plane sends this bot's voice there, if it can (send-scheduler.ts). */
  joinBatch(batch: VoiceBatch, slot: number): boolean {
    return this.voiceOut.joinBatch?.(batch, slot) ?? false;
  }

  private get fastMedia(): boolean {
    return this.options.mediaPath !== 'werift';
  }

  get peerId(): string {
    return peerIdOf({ engine: 'werift', id: this.options.id });
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

  /** Audio, and video for video bots, both ways. */
  get publishes(): Array<'audio' | 'video'> {
    return this.video ? ['audio', 'video'] : ['audio'];
  }

  get receives(): Array<'audio' | 'video'> {
    return this.video ? ['audio', 'video'] : ['audio'];
  }

  /** The fast media path takes every RTP stream of its receive connection, whatever the SSRC. */
  get takesEveryStream(): boolean {
    return this.fastMedia;
  }

  private async open(): Promise<void> {
    const { joinTimeoutMs } = this.options;
    const route = this.options.route ?? directRoute;
    const session: Session = { recvs: [], streams: new Set(), subscribedAtMs: hostNowMs(), wideSeqIds: {}, closed: false };
    this.session = session;
    session.target = await this.options.adapter.join(this, { roomId: this.options.roomId, publish: this.options.role === 'speaker', timeoutMs: joinTimeoutMs, reach: (url) => route.reach(url) });
    if (session.closed) return void (await session.target.leave());
    const { send } = session;
    const negotiated = session.recvs.filter((recv) => recv.negotiated);
    if (send) {
      await connectedState(send.pc, joinTimeoutMs);
      const sent = send.sent;
      if (!sent) throw new Error('the adapter published no audio');
      const extensions: RtpExtensionIds = sent.audioLevelId === undefined ? {} : { audioLevelId: sent.audioLevelId };
      if (this.fastMedia) session.fastSender = await this.options.mediaPlane.openSender(send, sent.ssrc, sent.payloadType, (reason) => this.lost(session, `send transport: ${reason}`), extensions);
      else session.sender = send.pc.getTransceivers()[0];
      if (session === this.session) this.syncVoicePath();
      if (send.sentVideo) await this.publishVideo(session, send);
      send.pc.connectionStateChange.subscribe((state) => state === 'failed' && this.lost(session, 'send transport failed'));
    } else if (negotiated.length > 0) {
      // A listener has joined once what it subscribed to at join time flows (or at once in an empty room).
      await Promise.all(negotiated.map((recv) => connectedState(recv.pc, joinTimeoutMs)));
    }
  }

  /** The video the publishing connection offered, on the media plane: every layer and its RTX stream, and the target's RTCP. */
  private async publishVideo(session: Session, send: WeriftConnection): Promise<void> {
    const video = this.video;
    const sent = send.sentVideo;
    if (!video || !sent) return;
    const { spec } = video;
    const lost = (reason: string): void => this.lost(session, `send transport: ${reason}`);
    const plane = this.options.mediaPlane;
    const extensions: RtpExtensionIds = { wideSeqId: sent.wideSeqId };
    const publisher = new VideoPublisher({
      senderId: this.options.id,
      layers: video.layers,
      fps: spec.fps,
      keyframeIntervalMs: spec.keyframeIntervalMs ?? null,
      ssrcs: sent.ssrcs,
      rtxSsrcs: sent.rtxSsrcs,
      random: video.random,
      clip: videoClip,
      clockMs: hostNowMs,
      store: this.options.store,
      group: this.options.group,
    });
    const media = await Promise.all(sent.ssrcs.map((ssrc) => plane.openSender(send, ssrc, sent.payloadType, lost, extensions)));
    const rtx = await Promise.all(sent.rtxSsrcs.map((ssrc) => plane.openSender(send, ssrc, sent.rtxPayloadType, lost, extensions)));
    const rtcp = await plane.openRtcp(send, (packet) => publisher.onRtcp(packet, hostNowMs()));
    publisher.attach(media, rtx, rtcp);
    session.videoOut = publisher;
  }

  /** A connection the adapter asks for, in the current session. */
  openConnection(purpose: 'publish' | 'subscribe'): ParticipantConnection {
    const session = this.session;
    if (!session || session.closed) throw new Error(`${this.peerId} has no session to open a connection in`);
    if (this.video && purpose === 'subscribe' && !session.videoIn) {
      session.videoIn = new VideoSubscriber({ store: this.options.store, group: this.options.group, senderSsrc: this.video.ssrcs.ssrcs[0]!, clockMs: hostNowMs, layerOfWidth });
    }
    const video = this.video ? { send: purpose === 'publish' ? this.video.ssrcs : null } : null;
    const connection = new WeriftConnection(this.options.loopbackOnly ?? true, this.options.route ?? directRoute, this.peerId, {
      onStream: (stream) => {
        session.streams.add(stream.ssrc);
        session.subscribedAtMs = hostNowMs();
        if (stream.kind === 'video') session.videoIn?.stream(stream.ssrc, stream.rtxSsrc);
        if (stream.wideSeqId !== undefined) session.wideSeqIds.wideSeqId = stream.wideSeqId;
      },
      onEnded: (ssrc) => {
        session.streams.delete(ssrc);
        this.receiver.streamEnded(ssrc);
      },
      onClosed: (closed) => {
        if (session.recvs.includes(closed)) session.recvs.splice(session.recvs.indexOf(closed), 1);
      },
      onIceServers: (use) => reportIceServers(this.options.store, this.peerId, use),
    }, { onHost: this.options.targetOnLoopback ?? this.options.loopbackOnly ?? true, ...(this.fastMedia ? { noTurn: 'the fast media path sends RTP from the ICE socket itself, not through a relay' } : {}) }, purpose, video);
    if (purpose === 'publish') session.send = connection;
    else {
      session.recvs.push(connection);
      this.watchReceive(session, connection);
    }
    return connection;
  }

  /** The target dropped the bot (its signalling closed, its session expired). */
  dropped(reason: string): void {
    if (this.session) this.lost(this.session, reason);
  }

  private watchReceive(session: Session, connection: WeriftConnection): void {
    const pc = connection.pc;
    // Whether RTP on this connection goes through the fast media path yet.
    let fastReceiving = false;
    // werift announces a track again on every renegotiation; one subscription per track.
    const tracks = new WeakSet<object>();
    pc.onTrack.subscribe((track) => {
      if (tracks.has(track)) return;
      tracks.add(track);
      track.onReceiveRtp.subscribe((rtp) => this.receiver.onPayload(rtp.payload, rtp.header.timestamp, 0, rtp.payload.length, rtp.header.ssrc));
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' && !connection.closed) this.lost(session, 'receive transport failed');
      if (state === 'connected' && this.fastMedia && !fastReceiving) {
        fastReceiving = true;
        // Packets before the switch went through werift's path above; none is counted twice.
        const lost = (reason: string): void => this.lost(session, `receive transport: ${reason}`);
        const plane = this.options.mediaPlane;
        const videoIn = session.videoIn;
        if (!videoIn) {
          plane.receive(connection, (bytes, timestamp, start, end, header) => this.receiver.onPayload(bytes, timestamp, start, end, header.ssrc, header.arrivalMs), lost, undefined, this.receiver).catch((error: Error) => lost(error.message));
          return;
        }
        const onRtp = (bytes: Buffer, timestamp: number, start: number, end: number, header: ReceivedRtpHeader): void => {
          const now = header.arrivalMs ?? hostNowMs();
          videoIn.arrived(header.wideSeq, now);
          if (videoIn.takes(header.ssrc)) videoIn.packet(bytes, timestamp, start, end, header, now);
          else this.receiver.onPayload(bytes, timestamp, start, end, header.ssrc, now);
        };
        Promise.all([plane.receive(connection, onRtp, lost, session.wideSeqIds), plane.openRtcp(connection, (packet) => videoIn.onRtcp(packet, hostNowMs())).then((rtcp) => videoIn.attach(rtcp))]).catch((error: Error) => lost(error.message));
      }
    });
  }

  /**
   * Silence from everyone it subscribes to, for longer than the media timeout, is a failure too:
   * a paused or partitioned node closes no socket. Called by the fleet process a few times a second.
   */
  checkMedia(nowMs: number): void {
    const session = this.session;
    if (this.state !== 'connected' || !session || session.streams.size === 0) return;
    const heardAt = Math.max(this.receiver.lastArrivalMs, session.subscribedAtMs);
    if (nowMs - heardAt > this.options.recovery.mediaTimeoutMs) this.lost(session, `no media for ${Math.round(nowMs - heardAt)} ms`);
  }

  private lost(session: Session, reason: string): void {
    if (session !== this.session || session.closed) return;
    if (this.state === 'joining' || this.state === 'rejoining') {
      session.lostReason = reason;
      this.closeSession();
      return;
    }
    if (this.state !== 'connected') return;
    void this.recover(reason);
  }

  /**
   * A reconnect step: drops signalling and both transports at once, and rejoins through the
   * recovery backoff, as every client does after an outage (the thundering herd). Induced, so not
   * a failure; recovery_time_ms is measured as for one, and rejoin_time_ms from the drop. False
   * when the bot is not in the room (joining, recovering, away).
   */
  reconnect(): boolean {
    if (this.state !== 'connected' || !this.session) return false;
    const { store, group } = this.options;
    store.count('reconnects', 1, group);
    void this.recover('reconnect step', { droppedAtMs: hostNowMs() });
    return true;
  }

  /**
   * A churn leave: out of the room until rejoin(), as a user who hangs up; not a failure. One still
   * rejoining from an earlier leave leaves as soon as it is back (and a rejoin asked meanwhile then
   * follows at once), so every leave is a whole leave and rejoin. False when not in the room (first
   * join, recovering): then it neither leaves nor rejoins.
   */
  leave(): boolean {
    if (this.state === 'rejoining') {
      this.churnWhenBack = { rejoin: false };
      return true;
    }
    if (this.state !== 'connected' || !this.session) return false;
    this.state = 'away';
    this.closeSession();
    // What it misses while away is not lost.
    this.receiver.endAll();
    this.options.store.count('churn_leaves', 1, this.options.group);
    return true;
  }

  /** Back from a churn leave: joins again at once (no backoff); a join the target refuses is recovered from as a failure. */
  async rejoin(): Promise<void> {
    if (this.state === 'rejoining' && this.churnWhenBack) return void (this.churnWhenBack.rejoin = true);
    if (this.state !== 'away') return;
    const { store, group, joinTimeoutMs } = this.options;
    this.state = 'rejoining';
    const startedAt = hostNowMs();
    try {
      await withTimeout(this.open(), joinTimeoutMs, 'rejoin after a churn leave');
    } catch (error) {
      if ((this.state as BotState) !== 'rejoining') return;
      const reason = this.session?.lostReason ?? (error as Error).message;
      this.churnWhenBack = undefined;
      this.closeSession();
      void this.recover(`rejoin after a churn leave: ${reason}`);
      return;
    }
    if ((this.state as BotState) !== 'rejoining') return;
    this.state = 'connected';
    store.count('churn_joins', 1, group);
    store.record('rejoin_time_ms', hostNowMs() - startedAt, group);
    const next = this.churnWhenBack;
    this.churnWhenBack = undefined;
    if (next && this.leave() && next.rejoin) void this.rejoin();
  }

  /** `induced`: a reconnect step dropped the bot at `droppedAtMs`, not the target. */
  private async recover(reason: string, induced?: { droppedAtMs: number }): Promise<void> {
    const { joinTimeoutMs } = this.options;
    this.state = 'recovering';
    this.recovery.failed(this.receiver.lastArrivalMs, { induced: induced !== undefined });
    this.closeSession();
    if (induced) this.receiver.endAll();
    const rejoined = await this.recovery.retry(
      () => (this.state) === 'closed',
      () => withTimeout(this.open(), joinTimeoutMs, `rejoin after "${reason}"`).catch((error: unknown) => {
        this.closeSession();
        throw error;
      }),
    );
    if (!rejoined) return;
    if ((this.state as BotState) === 'closed') return void this.closeSession();
    this.state = 'connected';
    // The outage ends with the first packet heard while connected (a later failure re-arms this on its own recovery).
    this.receiver.onceMedia((arrivalMs) => this.state === 'connected' && this.recovery.mediaBack(arrivalMs));
    if (induced) this.options.store.record('rejoin_time_ms', hostNowMs() - induced.droppedAtMs, this.options.group);
    this.emit('recovered');
  }

  /**
   * One packet time (`turn`, on the run's clock): speech, a comfort-noise packet (DTX) or nothing, as
   * the talk model says. The RTP clock advances either way, as Opus's does, so receivers' jitter stays
   * right across pauses.
   */
  sendPacket(turn: number): void {
    const session = this.session;
    if (this.video && session && this.state === 'connected') {
      const now = hostNowMs();
      session.videoOut?.tick(now, turn * this.options.audio.ptimeMs);
      session.videoIn?.tick(now);
    }
    const fast = session?.fastSender;
    const sender = session?.sender?.sender;
    if (this.state !== 'connected' || !(fast || sender)) return;
    const now = hostNowMs();
    // The RTP clock is the run's: a packet time's timestamp is the same in every run (send-scheduler.ts).
    const sent = fast
      ? this.voiceOut.send(fast, turn, now)
      : this.scriptVoice!.sendPayload(now, (payload, seq) => {
          const timestamp = (turn * voiceSamplesPerPacket(this.options.audio.ptimeMs)) >>> 0;
          void sender!.sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: seq & 0xffff, timestamp, marker: false }), payload));
        });
    if (sent) this.packetsSentThisSecond++;
  }

  /**
   * Packet times the process was too late for: what the talk model would have sent is counted as
   * skipped, and the RTP clock moves on, as a client's capture clock does through a stall.
   */
  skipPackets(count: number): void {
    const session = this.session;
    if (this.state !== 'connected' || !(session?.fastSender || session?.sender?.sender)) return;
    this.packetsSkippedThisSecond += this.voiceOut.skip(count, hostNowMs());
  }

  /** Moves this second's counts and each stream's jitter into the store. */
  sampleSecond(atMs: number): void {
    const { store, group } = this.options;
    const batched = this.voiceOut.takeCounts?.();
    if (batched) {
      this.packetsSentThisSecond += batched.sent;
      this.packetsSkippedThisSecond += batched.skipped;
    }
    if (this.packetsSentThisSecond > 0) store.count('packets_sent', this.packetsSentThisSecond, group, atMs);
    if (this.packetsSkippedThisSecond > 0) store.count('packets_skipped', this.packetsSkippedThisSecond, group, atMs);
    this.packetsSentThisSecond = 0;
    this.packetsSkippedThisSecond = 0;
    this.receiver.sampleSecond(atMs);
    this.session?.videoOut?.sampleSecond(atMs);
    this.session?.videoIn?.sampleSecond(atMs);
  }

  private closeSession(): void {
    const session = this.session;
    if (!session || session.closed) return;
    session.closed = true;
    session.send?.close();
    for (const recv of [...session.recvs]) recv.close();
    void session.target?.leave().catch(() => undefined);
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeSession();
    this.receiver.close();
    this.voiceOut.close();
  }
}
