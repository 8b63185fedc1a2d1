/**
 * The bots' voice, encoded once per machine and replayed: the speech signal (speech-signal.ts)
 * through a real libopus encoder (@evan/opus: prebuilt libopus for Node, or its WebAssembly build)
 * at the group's bitrate and packet time, and the encoder's own DTX updates for pauses: what it
 * transmits once every 400 ms while it hears silence (as after a client's noise suppression: this
 * libopus build leaves DTX for any white noise, even at -80 dBov). Encoding takes about 0.3 s of CPU
 * a clip, so clips are cached on disk (the run's parent makes them before its clock starts; a fleet
 * process reads one in a millisecond); replaying costs nothing per packet beyond copying the frame.
 */
import { Encoder } from '@evan/opus';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../../core/paths.js';
import { payloadBytes } from '../media-payload.js';
import { emptyOpusFrame, opusStampOverhead } from '../opus-stamp.js';
import { audioLevel, speechSignal } from './speech-signal.js';

export interface EncodedFrame {
  /** One Opus packet as the encoder made it. */
  bytes: Uint8Array;
  /** Its RFC 6464 level (-dBov) from the signal it encodes. */
  level: number;
  /** Zero bytes of padding before the stamp: 0 but in `filler` packets, which pad up to the bitrate's size. */
  extraPadding: number;
  /** Its length once stamped (opus-stamp.ts). */
  stampedBytes: number;
}

export interface VoiceClip {
  /** Talk spurts play these in order, looping. */
  speech: readonly EncodedFrame[];
  /** Pauses with DTX send these, one per 400 ms. */
  comfortNoise: readonly EncodedFrame[];
}

const sampleRate = 48000;
const speechSeconds = 12;
const noiseSeconds = 8;
const clips = new Map<string, VoiceClip>();

function encode(pcm: Int16Array, bitrateKbps: number, ptimeMs: number, dtx: boolean): EncodedFrame[] {
  const encoder = new Encoder({ channels: 1, sample_rate: sampleRate, application: 'voip' });
  encoder.bitrate = bitrateKbps * 1000;
  encoder.signal = 'voice';
  encoder.dtx = dtx;
  const samples = (sampleRate * ptimeMs) / 1000;
  const frames: EncodedFrame[] = [];
  for (let at = 0; at + samples <= pcm.length; at += samples) {
    const bytes = encoder.encode(pcm.subarray(at, at + samples)).slice();
    // With DTX, libopus marks a frame not to transmit by a packet of 1-2 bytes.
    if (dtx && bytes.length <= 2) continue;
    frames.push({ bytes, level: audioLevel(pcm, at, at + samples), extraPadding: 0, stampedBytes: bytes.length + opusStampOverhead(bytes) });
  }
  return frames;
}

/**
 * `filler` content: an empty Opus frame padded to the size the bitrate gives a packet (speech) or to
 * the stamp alone (a pause), at digital silence's level. Valid Opus (decoders conceal it), no encoding.
 */
export function fillerClip(bitrateKbps: number, ptimeMs: number): VoiceClip {
  const frame = (bytes: number): EncodedFrame => {
    const bare = emptyOpusFrame.length + opusStampOverhead(emptyOpusFrame);
    const extraPadding = Math.max(0, bytes - bare);
    return { bytes: emptyOpusFrame, level: 127, extraPadding, stampedBytes: emptyOpusFrame.length + opusStampOverhead(emptyOpusFrame, extraPadding) };
  };
  return { speech: [frame(payloadBytes(bitrateKbps, ptimeMs))], comfortNoise: [frame(0)] };
}

// Bump when the signal or the encoder settings change, so cached clips are made again.
const clipVersion = 1;

function clipFile(bitrateKbps: number, ptimeMs: number): string {
  return join(cacheRoot(), 'voice', `opus-${bitrateKbps}k-${ptimeMs}ms-v${clipVersion}.json`);
}

function encodeClip(bitrateKbps: number, ptimeMs: number): VoiceClip {
  const clip = {
    speech: encode(speechSignal(speechSeconds, sampleRate), bitrateKbps, ptimeMs, false),
    // The first frames are skipped: the encoder transmits every frame until DTX sets in.
    comfortNoise: encode(new Int16Array(noiseSeconds * sampleRate), bitrateKbps, ptimeMs, true).slice(5),
  };
  if (clip.speech.length === 0 || clip.comfortNoise.length === 0) throw new Error(`libopus made no frames at ${bitrateKbps} kb/s, ${ptimeMs} ms`);
  return clip;
}

type StoredFrame = [base64: string, level: number];

function toStored(frames: readonly EncodedFrame[]): StoredFrame[] {
  return frames.map((f) => [Buffer.from(f.bytes).toString('base64'), f.level]);
}

function fromStored(frames: StoredFrame[]): EncodedFrame[] {
  return frames.map(([base64, level]) => {
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    return { bytes, level, extraPadding: 0, stampedBytes: bytes.length + opusStampOverhead(bytes) };
  });
}

/** The clip from the disk cache, or encoded and stored (a partial file renamed into place, as processes may race). */
function cachedClip(bitrateKbps: number, ptimeMs: number): VoiceClip {
  const file = clipFile(bitrateKbps, ptimeMs);
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { speech: StoredFrame[]; comfortNoise: StoredFrame[] };
    return { speech: fromStored(stored.speech), comfortNoise: fromStored(stored.comfortNoise) };
  } catch {
    // Missing or unreadable: made again.
  }
  const clip = encodeClip(bitrateKbps, ptimeMs);
  try {
    mkdirSync(join(cacheRoot(), 'voice'), { recursive: true });
    const partial = `${file}.${process.pid}.part`;
    writeFileSync(partial, JSON.stringify({ speech: toStored(clip.speech), comfortNoise: toStored(clip.comfortNoise) }));
    renameSync(partial, file);
  } catch {
    // A read-only cache only costs the encoding again next time.
  }
  return clip;
}

/** Every clip these groups' audio replays, in this process (speech only: filler needs none). */
export function ensureVoiceClips(audio: ReadonlyArray<{ bitrateKbps: number; ptimeMs: number; content?: 'speech' | 'filler' }>): void {
  for (const a of audio) if (a.content !== 'filler') voiceClip(a.bitrateKbps, a.ptimeMs);
}

/** This process's clip for a bitrate and packet time (the same bytes in every process, run and machine). */
export function voiceClip(bitrateKbps: number, ptimeMs: number): VoiceClip {
  const key = `${bitrateKbps}/${ptimeMs}`;
  let clip = clips.get(key);
  if (!clip) {
    clip = cachedClip(bitrateKbps, ptimeMs);
    clips.set(key, clip);
  }
  return clip;
}
