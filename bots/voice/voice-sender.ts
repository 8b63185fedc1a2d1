/**
 * A bot's voice in JavaScript: each packet time, the talk model says speech, a comfort-noise update
 * or nothing, the voice source gives the clip's next frame, and the frame goes out stamped (the
 * native plane has the same in C: native/voice_send.c).
 */
import { seededRandom } from '../../core/plan/random.js';
import type { RtpSendPath, VoiceSender, VoiceSendSpec } from '../../ports/media-plane.js';
import type { PayloadStamp } from '../media-payload.js';
import { writeStampedOpus } from '../opus-stamp.js';
import { TalkModel } from '../talk-model.js';
import type { EncodedFrame } from './voice-clip.js';
import { VoiceSource } from './voice-source.js';

/** The RFC 6464 byte a frame is sent with: the voice activity bit for speech above -60 dBov (a comfort-noise update is silence). */
export function audioLevelByte(frame: { level: number }, speech: boolean): number {
  return speech && frame.level <= 60 ? frame.level | 128 : frame.level;
}

export class ScriptVoiceSender implements VoiceSender {
  private readonly talk: TalkModel;
  private readonly voice: VoiceSource;
  private readonly stamp: PayloadStamp;
  /** The stamps' sequence number; its low 16 bits are RTP's. */
  private seq = 0;
  /** Whether the frame next() gave is speech (the audio level's voice activity bit). */
  private speech = false;

  constructor(private readonly spec: VoiceSendSpec) {
    this.talk = new TalkModel(spec.talk, seededRandom(spec.talkSeed));
    this.voice = new VoiceSource(spec.clip, spec.botId);
    this.stamp = { senderId: spec.botId, seq: 0, sentAtMs: 0 };
  }

  send(path: RtpSendPath, turn: number, nowMs: number): boolean {
    const frame = this.next(nowMs);
    if (!frame) return false;
    const timestamp = (turn * this.spec.samplesPerPacket) >>> 0;
    const packet = path.packet(frame.stampedBytes, this.seq, timestamp, false, audioLevelByte(frame, this.speech));
    writeStampedOpus(frame.bytes, this.stamp, packet.payload, frame.extraPadding);
    path.send(packet.buf);
    this.seq++;
    return true;
  }

  /** The same for a sender that takes a payload (werift's own RTP sender): `send` gets the stamped payload and the sequence number. */
  sendPayload(nowMs: number, send: (payload: Buffer, seq: number) => void): boolean {
    const frame = this.next(nowMs);
    if (!frame) return false;
    const payload = Buffer.alloc(frame.stampedBytes);
    writeStampedOpus(frame.bytes, this.stamp, payload, frame.extraPadding);
    send(payload, this.seq);
    this.seq++;
    return true;
  }

  skip(count: number, nowMs: number): number {
    let skipped = 0;
    for (let k = count; k >= 1; k--) if (this.talk.next(nowMs - k * this.spec.ptimeMs) !== 'none') skipped++;
    return skipped;
  }

  close(): void {}

  /** This packet time's frame, the stamp set for it; null when the talk model sends nothing. */
  private next(nowMs: number): EncodedFrame | null {
    const kind = this.talk.next(nowMs);
    if (kind === 'none') return null;
    this.speech = kind === 'speech';
    this.stamp.seq = this.seq;
    this.stamp.sentAtMs = nowMs;
    return this.voice.next(kind);
  }
}
