/**
 * The page's peer connections, as Node's target adapter drives them, step by step, in SDP: a web
 * client of any SFU. Sent audio frames get the stamp in their Opus padding (werift bots read it
 * like their own), received ones have it read and are decoded as they are; received media is played, since Chromium decodes (and counts
 * concealment and freezes) only for a sink. Codec settings go into the target's answer, where
 * Chromium's encoder reads them (a=ptime, Opus maxaveragebitrate).
 */
import type { PageIceServer, PageOffer, PageStart, PageStats } from '../page-api.js';
import { collectStats } from './collect-stats.js';
import { passThrough, stampSent, readReceivedStamps, type FrameLog } from './encoded-frames.js';

/** How long the page waits for ICE gathering: candidates on loopback are there at once. */
const gatheringTimeoutMs = 2000;

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, gatheringTimeoutMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The target's answer with Opus sent at the scenario's packet time and bitrate. */
function withAudioSettings(sdp: string, audio: PageStart['audio']): string {
  const lines = sdp.split(/\r?\n/);
  const out: string[] = [];
  let inAudio = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      inAudio = line.startsWith('m=audio');
      out.push(line);
      if (inAudio) out.push(`a=ptime:${audio.ptimeMs}`);
      continue;
    }
    if (inAudio && line.startsWith('a=ptime:')) continue;
    out.push(inAudio && /^a=fmtp:\d+ .*(useinbandfec|minptime)/.test(line) && !line.includes('maxaveragebitrate') ? `${line};maxaveragebitrate=${audio.bitrateKbps * 1000}` : line);
  }
  return out.join('\r\n');
}

export class PeerConnections {
  private readonly connections = new Map<number, RTCPeerConnection>();
  private readonly pendingAnswers = new Map<number, RTCSessionDescriptionInit>();
  private readonly players = new Map<number, HTMLMediaElement[]>();

  constructor(
    private readonly config: PageStart,
    private readonly capture: MediaStream,
    private readonly log: FrameLog,
    private readonly onFailed: (reason: string) => void,
  ) {}

  open(id: number, purpose: 'publish' | 'subscribe'): void {
    // Every frame passes through encoded streams: the stamp is written and read there.
    const pc = new RTCPeerConnection({ iceServers: [], encodedInsertableStreams: true } as RTCConfiguration);
    this.connections.set(id, pc);
    this.players.set(id, []);
    pc.addEventListener('connectionstatechange', () => pc.connectionState === 'failed' && this.onFailed(`${purpose} connection failed`));
    pc.addEventListener('track', (event) => {
      const { receiver, track } = event;
      if (track.kind === 'audio') readReceivedStamps(receiver, this.log);
      else passThrough(receiver);
      const element = document.createElement(track.kind === 'video' ? 'video' : 'audio');
      element.muted = track.kind === 'video';
      element.srcObject = new MediaStream([track]);
      document.body.append(element);
      void element.play();
      this.players.get(id)?.push(element);
    });
  }

  private pc(id: number): RTCPeerConnection {
    const pc = this.connections.get(id);
    if (!pc) throw new Error(`no peer connection ${id}`);
    return pc;
  }

  async createOffer(id: number, media: PageOffer): Promise<string> {
    const pc = this.pc(id);
    for (const kind of media.send ?? []) {
      const track = kind === 'audio' ? this.capture.getAudioTracks()[0] : this.capture.getVideoTracks()[0];
      if (!track) continue;
      const { sender } = pc.addTransceiver(track, { direction: 'sendonly', streams: [this.capture] });
      if (kind === 'audio') stampSent(sender, this.config.senderId, this.log);
      else passThrough(sender);
    }
    for (const kind of media.receive ?? []) pc.addTransceiver(kind, { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    return pc.localDescription?.sdp ?? '';
  }

  async acceptAnswer(id: number, answer: string): Promise<void> {
    await this.pc(id).setRemoteDescription({ type: 'answer', sdp: withAudioSettings(answer, this.config.audio) });
  }

  async createAnswer(id: number, offer: string): Promise<string> {
    const pc = this.pc(id);
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    const answer = await pc.createAnswer();
    this.pendingAnswers.set(id, answer);
    return answer.sdp ?? '';
  }

  async applyAnswer(id: number): Promise<string> {
    const pc = this.pc(id);
    const answer = this.pendingAnswers.get(id);
    if (!answer) throw new Error(`applyAnswer(${id}) before createAnswer`);
    this.pendingAnswers.delete(id);
    await pc.setLocalDescription(answer);
    await gathered(pc);
    return pc.localDescription?.sdp ?? '';
  }

  /**
   * Chromium gathers at setLocalDescription: new ICE servers before that are used; after it, they
   * would only be for an ICE restart, which the page never does, so the connection keeps its own.
   */
  useIceServers(id: number, servers: PageIceServer[]): boolean {
    const pc = this.pc(id);
    if (pc.localDescription !== null) return false;
    pc.setConfiguration({ ...pc.getConfiguration(), iceServers: servers });
    return true;
  }

  connected(id: number, timeoutMs: number): Promise<void> {
    const pc = this.pc(id);
    if (pc.connectionState === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection not connected after ${timeoutMs} ms`)), timeoutMs);
      pc.addEventListener('connectionstatechange', () => {
        if (pc.connectionState === 'connected') resolve();
        else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') reject(new Error(`connection ${pc.connectionState}`));
        else return;
        clearTimeout(timer);
      });
    });
  }

  close(id: number): void {
    this.connections.get(id)?.close();
    this.connections.delete(id);
    for (const element of this.players.get(id) ?? []) element.remove();
    this.players.delete(id);
  }

  closeAll(): void {
    for (const id of [...this.connections.keys()]) this.close(id);
  }

  stats(): Promise<PageStats> {
    return collectStats([...this.connections.values()]);
  }
}
