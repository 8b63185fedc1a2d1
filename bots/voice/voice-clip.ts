/**
 * The bots' voice, encoded once per process and replayed: the speech signal (speech-signal.ts)
 * through a real libopus encoder (@evan/opus: prebuilt libopus for Node, or its WebAssembly build)
 * at the group's bitrate and packet time, and the encoder's own DTX updates for pauses: what it
 * transmits once every 400 ms while it hears silence (as after a client's noise suppression: this
 * libopus build leaves DTX for any white noise, even at -80 dBov). Encoding is ~10 ms per second of
 * audio; replaying costs nothing per packet beyond copying the frame.
 */
import { Encoder } from '@evan/opus';
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

/** This process's clip for a bitrate and packet time (the same bytes in every process and run). */
export function voiceClip(bitrateKbps: number, ptimeMs: number): VoiceClip {
  const key = `${bitrateKbps}/${ptimeMs}`;
  let clip = clips.get(key);
  if (!clip) {
    clip = {
      speech: encode(speechSignal(speechSeconds, sampleRate), bitrateKbps, ptimeMs, false),
      // The first frames are skipped: the encoder transmits every frame until DTX sets in.
      comfortNoise: encode(new Int16Array(noiseSeconds * sampleRate), bitrateKbps, ptimeMs, true).slice(5),
    };
    if (clip.speech.length === 0 || clip.comfortNoise.length === 0) throw new Error(`libopus made no frames at ${bitrateKbps} kb/s, ${ptimeMs} ms`);
    clips.set(key, clip);
  }
  return clip;
}
