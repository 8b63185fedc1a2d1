/**
 * A bot's voice sent from C (native/voice_send.c): one call per packet time, in which the addon runs
 * the talk model, takes the clip's next frame, stamps it, writes the header, protects and sends it:
 * what bots/voice/voice-sender.ts does in JavaScript, from the same seed.
 */
import type { RtpSendPath, VoiceBatch, VoiceSender, VoiceSendSpec } from '../../ports/media-plane.js';
import { hostNowMs } from '../clock.js';
import { writeStampedOpus } from '../opus-stamp.js';
import { audioLevelByte } from '../voice/voice-sender.js';
import type { NativeMediaAddon } from './native-addon.js';

type Clip = VoiceSendSpec['clip'];
type Frame = Clip['speech'][number];

/** Clips handed to the addon, once each: every bot of a group shares one. */
const clips = new WeakMap<NativeMediaAddon, WeakMap<Clip, number>>();

/** A clip's frames as stamped templates (a zero stamp, overwritten per packet), back to back. */
function templates(frames: readonly Frame[], speech: boolean): [Buffer, Int32Array, Uint8Array] {
  const offsets = new Int32Array(frames.length + 1);
  frames.forEach((frame, i) => (offsets[i + 1] = offsets[i]! + frame.stampedBytes));
  const bytes = Buffer.alloc(offsets[frames.length]!);
  frames.forEach((frame, i) => writeStampedOpus(frame.bytes, { senderId: 0, seq: 0, sentAtMs: 0 }, bytes.subarray(offsets[i], offsets[i + 1]), frame.extraPadding));
  return [bytes, offsets, Uint8Array.from(frames, (frame) => audioLevelByte(frame, speech))];
}

function clipId(addon: NativeMediaAddon, clip: Clip): number {
  let byClip = clips.get(addon);
  if (!byClip) clips.set(addon, (byClip = new WeakMap()));
  let id = byClip.get(clip);
  if (id === undefined) {
    id = addon.voiceClip(...templates(clip.speech, true), ...templates(clip.comfortNoise, false));
    byClip.set(clip, id);
  }
  return id;
}

/** One send scheduler's native voices: a call into C per slot with members, per tick. */
export class NativeVoiceBatch implements VoiceBatch {
  readonly id: number;
  private readonly members: Int32Array;

  constructor(
    private readonly addon: NativeMediaAddon,
    slots: number,
    private readonly ptimeMs: number,
  ) {
    this.id = addon.voiceBatch(slots);
    this.members = new Int32Array(slots);
  }

  join(voice: number, slot: number): void {
    this.addon.voiceJoin(voice, this.id, slot);
    this.members[slot]!++;
  }

  sendSlot(slot: number, turn: number, nowMs = hostNowMs()): void {
    if (this.members[slot]) this.addon.voiceSlot(this.id, slot, turn, nowMs);
  }

  skipSlot(slot: number, turns: number, nowMs = hostNowMs()): void {
    if (this.members[slot]) this.addon.voiceSkipSlot(this.id, slot, turns, nowMs, this.ptimeMs);
  }

  run(startedAtMs: number): void {
    // RTCSTORM_NATIVE_SEND_TIMER=uv: the clock on the event loop's thread (diagnostic, for A/B).
    this.addon.voiceBatchRun(this.id, startedAtMs - performance.now(), this.ptimeMs, process.env.RTCSTORM_NATIVE_SEND_TIMER !== 'uv');
  }

  stop(): void {
    this.addon.voiceBatchStop(this.id);
  }
}

const counts = new Float64Array(2);

export class NativeVoiceSender implements VoiceSender {
  private readonly id: number;
  private closed = false;

  constructor(
    private readonly addon: NativeMediaAddon,
    private readonly spec: VoiceSendSpec,
    /** The addon's id of a send path of the native plane. */
    private readonly senderIdOf: (path: RtpSendPath) => number,
  ) {
    const { talk } = spec;
    this.id = addon.voice(clipId(addon, spec.clip), talk.model === 'always', talk.model === 'p59' && talk.dtx, spec.talkSeed, spec.botId, spec.botId, spec.samplesPerPacket);
  }

  /** `path` is the native plane's (the bot opened it on the same plane). */
  send(path: RtpSendPath, turn: number, nowMs: number): boolean {
    return !this.closed && this.addon.voiceSend(this.id, this.senderIdOf(path), turn, nowMs);
  }

  skip(count: number, nowMs: number): number {
    return this.closed ? 0 : this.addon.voiceSkip(this.id, count, nowMs, this.spec.ptimeMs);
  }

  joinBatch(batch: VoiceBatch, slot: number): boolean {
    if (this.closed || !(batch instanceof NativeVoiceBatch)) return false;
    batch.join(this.id, slot);
    return true;
  }

  sendOn(path: RtpSendPath | undefined): void {
    if (!this.closed) this.addon.voiceOn(this.id, path ? this.senderIdOf(path) : -1);
  }

  takeCounts(): { sent: number; skipped: number } {
    if (this.closed) return { sent: 0, skipped: 0 };
    this.addon.voiceTakeCounts(this.id, counts);
    return { sent: counts[0]!, skipped: counts[1]! };
  }

  /** A closed voice leaves its batch (its slot's count in JavaScript stays: a call for an empty slot costs nothing in C). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.closeVoice(this.id);
  }
}
