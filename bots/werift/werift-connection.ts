/**
 * One werift peer connection of a bot, as a target adapter drives it (ports/target-adapter.ts):
 * offers and answers in SDP, with the target's ICE candidates replaced by where the bot's route
 * sends media (a relay's sockets, a namespace's gateway), and the streams it receives named on
 * that route so seeded impairment repeats packet by packet. It is also what a media plane takes over
 * once it is connected (ports/media-plane.ts).
 */
import { RTCPeerConnection, type RTCSessionDescription } from 'werift';
import { answerRejecting, audioLevelUri, candidatesOf, extmapId, mediaSections, offerWithout, payloadTypeOf, rewriteCandidates, ssrcOf, type SdpCandidate } from '../../core/sdp.js';
import type { MediaConnection, MediaTransport } from '../../ports/media-plane.js';
import type { Endpoint, MediaPath, MediaRoute } from '../../ports/media-route.js';
import type { IceServer, OfferedMedia, ParticipantConnection, RemoteStream } from '../../ports/target-adapter.js';
import { iceServerUse, type IceServerLimits, type IceServerUse } from '../ice-servers.js';
import { peerConfig } from './peer-config.js';
import { simulcastOffer, type SentVideo, type SimulcastSsrcs } from './simulcast-offer.js';
import { weriftMediaTransport } from './werift-internals.js';

/** The stream a publishing connection sends, as its own offer says. */
/** The audio the connection sends; `audioLevelId` once the target's answer accepted the audio level extension. */
export interface SentStream { ssrc: number; payloadType: number; audioLevelId?: number }

export interface ConnectionEvents {
  /** The target says the connection now carries this stream, or that it ended. */
  onStream(stream: RemoteStream): void;
  onEnded(ssrc: number): void;
  /** The connection was closed (by the adapter or the participant). */
  onClosed?(connection: WeriftConnection): void;
  /** What became of ICE servers the target named (for the report). */
  onIceServers?(use: IceServerUse): void;
}

const key = (e: Endpoint): string => `${e.address}:${e.port}`;

/** A connection of a video bot: what it sends as simulcast (a publishing one), and that it takes video. */
export interface ConnectionVideo {
  send: SimulcastSsrcs | null;
}

/** The first audio stream a description sends: its SSRC and Opus payload type. */
export function sentAudio(sdp: string): SentStream {
  const audio = mediaSections(sdp).find((section) => section.kind === 'audio');
  const ssrc = audio && ssrcOf(audio);
  const payloadType = audio && payloadTypeOf(audio, 'opus');
  if (!ssrc || payloadType === undefined) throw new Error('werift offer has no audio stream with an SSRC and an Opus payload type');
  return { ssrc: ssrc.ssrc, payloadType };
}

export class WeriftConnection implements ParticipantConnection, MediaConnection {
  readonly pc: RTCPeerConnection;
  /** Set once the connection offered to send audio. */
  sent: SentStream | undefined;
  /** Set once the connection offered to send video. */
  sentVideo: SentVideo | undefined;
  /** Whether a remote description has been applied: ICE and DTLS are under way or done. */
  negotiated = false;
  private readonly paths: MediaPath[] = [];
  private readonly via = new Map<string, Endpoint>();
  /** Names given before a path was open (a consumer is known before its offer). */
  private readonly names = new Map<number, string>();
  private pendingAnswer: RTCSessionDescription | undefined;
  /** The target's last offer, when it had sections werift was not shown. */
  private offered: string | undefined;
  closed = false;

  constructor(
    loopbackOnly: boolean,
    private readonly route: MediaRoute,
    private readonly peerId: string,
    private readonly events: ConnectionEvents,
    /** Limits on the ICE servers a target names (bots/ice-servers.ts); whether it gathered, the connection says itself. */
    private readonly iceLimits: Omit<IceServerLimits, 'gathered'> = { onHost: loopbackOnly },
    private readonly purpose: 'publish' | 'subscribe' = 'publish',
    private readonly video: ConnectionVideo | null = null,
  ) {
    this.pc = new RTCPeerConnection(peerConfig(loopbackOnly, video !== null));
  }

  /** Bots receive audio, and video when they are video bots. */
  private readonly receivesKind = (kind: string): boolean => kind === 'audio' || (kind === 'video' && this.video !== null);

  useIceServers(servers: IceServer[]): void {
    if (servers.length === 0) return;
    // werift gives an ICE agent its STUN and TURN servers when it makes it (the first transceiver, or
    // the target's offer): a new configuration reaches only a connection that has none yet.
    const use = iceServerUse(servers, this.purpose, { ...this.iceLimits, gathered: this.pc.iceTransports.length > 0 });
    if (use.use.length > 0) this.pc.setConfiguration({ iceServers: use.use });
    this.events.onIceServers?.(use);
  }

  async createOffer(media: OfferedMedia): Promise<string> {
    for (const kind of media.send ?? []) this.pc.addTransceiver(kind, { direction: 'sendonly' });
    for (const kind of media.receive ?? []) this.pc.addTransceiver(kind, { direction: 'recvonly' });
    await this.pc.setLocalDescription(await this.pc.createOffer());
    let sdp = this.pc.localDescription?.sdp ?? '';
    if (media.send?.includes('audio')) this.sent = sentAudio(sdp);
    if (media.send?.includes('video') && this.video?.send) {
      const offer = simulcastOffer(sdp, this.video.send);
      sdp = offer.sdp;
      this.sentVideo = offer.video;
    }
    return sdp;
  }

  async acceptAnswer(answer: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: await this.routed(answer) });
    this.negotiated = true;
    const audio = mediaSections(answer).find((section) => section.kind === 'audio');
    const audioLevelId = audio && extmapId(audio.lines, audioLevelUri);
    if (this.sent && audioLevelId !== undefined) this.sent.audioLevelId = audioLevelId;
    // The bot's own streams are named too: uplink impairment draws by them.
    if (this.sent) this.nameStream(this.sent.ssrc, this.peerId);
    this.sentVideo?.ssrcs.forEach((ssrc, k) => {
      this.nameStream(ssrc, `${this.peerId}:video-${k}`);
      this.nameStream(this.sentVideo!.rtxSsrcs[k]!, `${this.peerId}:rtx-${k}`);
    });
  }

  async createAnswer(offer: string): Promise<string> {
    // A target that offers video too (WHEP gives a feed's every stream): werift, which has no video codec here, sees the audio alone.
    const other = mediaSections(offer).some((section) => !this.receivesKind(section.kind));
    let remote = other ? offerWithout(offer, this.receivesKind) : offer;
    // A video bot's media plane sends its feedback (NACK, PLI, transport-wide): werift, which sees the
    // first packets before the plane takes over, is not told to send its own as well.
    if (this.video) remote = remote.replace(/^a=rtcp-fb:.*\r?\n/gm, '');
    this.offered = other ? offer : undefined;
    await this.pc.setRemoteDescription({ type: 'offer', sdp: await this.routed(remote) });
    this.pendingAnswer = await this.pc.createAnswer();
    return this.advertised(this.wholeAnswer(this.pendingAnswer.sdp));
  }

  async applyAnswer(): Promise<string> {
    if (!this.pendingAnswer) throw new Error('applyAnswer() before createAnswer()');
    await this.pc.setLocalDescription(this.pendingAnswer);
    this.pendingAnswer = undefined;
    this.negotiated = true;
    return this.advertised(this.wholeAnswer(this.pc.localDescription?.sdp ?? ''));
  }

  /** werift's answer with the sections it was not shown put back, rejected. */
  private wholeAnswer(answer: string): string {
    return this.offered ? answerRejecting(answer, this.offered, this.receivesKind) : answer;
  }

  /** The bot's own description as the target is to see it: its candidates where its path says. */
  private advertised(sdp: string): string {
    if (this.paths.length === 0) return sdp;
    return rewriteCandidates(sdp, (c) => this.paths.map((path) => path.advertise(c)).find((e) => e !== undefined) ?? c);
  }

  mediaTransport(): Promise<MediaTransport> {
    return weriftMediaTransport(this.pc);
  }

  receiving(stream: RemoteStream): void {
    this.nameStream(stream.ssrc, stream.kind === 'video' ? `${stream.peerId}:video` : stream.peerId);
    if (stream.rtxSsrc !== undefined) this.nameStream(stream.rtxSsrc, `${stream.peerId}:rtx`);
    this.events.onStream(stream);
  }

  ended(ssrc: number): void {
    this.events.onEnded(ssrc);
  }

  private nameStream(ssrc: number, name: string): void {
    this.names.set(ssrc, name);
    for (const path of this.paths) path.nameStream(ssrc, name);
  }

  /** The description with the target's candidates replaced by where the route sends; new candidates get a path first. */
  private async routed(sdp: string): Promise<string> {
    const fresh = candidatesOf(sdp).filter((c) => !this.via.has(key(c)));
    if (fresh.length > 0) {
      const path = await this.route.open(fresh);
      if (this.closed) path.close();
      else this.paths.push(path);
      for (const c of fresh) {
        const to = path.to(c);
        if (to) this.via.set(key(c), to);
      }
      for (const [ssrc, name] of this.names) path.nameStream(ssrc, name);
    }
    return rewriteCandidates(sdp, (c: SdpCandidate) => this.via.get(key(c)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.pc.close();
    for (const path of this.paths) path.close();
    this.events.onClosed?.(this);
  }
}
