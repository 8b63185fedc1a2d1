/**
 * A speech-like signal made by code, so the bots' voice is licence-clean and needs no recording:
 * syllables of a glottal pulse train (pitch with a falling phrase contour) through three vowel
 * formants (Klatt-style two-pole resonators), with fricative noise at some onsets and short
 * pauses between words. It is not intelligible; it has speech's spectrum, rhythm (about 4
 * syllables a second) and level changes, which is what makes an Opus encoder's packet sizes vary
 * as they do for real talkers.
 */
import { seededRandom } from '../../core/plan/random.js';

/** F1, F2, F3 (Hz) of five vowels (Peterson & Barney's averages, male voices). */
const vowels: ReadonlyArray<readonly [number, number, number]> = [
  [730, 1090, 2440],
  [270, 2290, 3010],
  [300, 870, 2240],
  [530, 1840, 2480],
  [570, 840, 2410],
];
const formantBandwidthsHz = [80, 100, 140] as const;

/** A two-pole resonator with unit gain at 0 Hz (Klatt 1980). */
class Resonator {
  private y1 = 0;
  private y2 = 0;
  private a = 0;
  private b = 0;
  private c = 0;

  tune(frequencyHz: number, bandwidthHz: number, sampleRate: number): void {
    const t = 1 / sampleRate;
    this.c = -Math.exp(-2 * Math.PI * bandwidthHz * t);
    this.b = 2 * Math.exp(-Math.PI * bandwidthHz * t) * Math.cos(2 * Math.PI * frequencyHz * t);
    this.a = 1 - this.b - this.c;
  }

  next(x: number): number {
    const y = this.a * x + this.b * this.y1 + this.c * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

/** `seconds` of mono 16-bit PCM at `sampleRate`, the same for the same seed. */
export function speechSignal(seconds: number, sampleRate: number, seed = 1): Int16Array {
  const random = seededRandom(seed);
  const out = new Float64Array(Math.round(seconds * sampleRate));
  const formants = formantBandwidthsHz.map(() => new Resonator());
  const tilt = { y: 0 };
  let at = 0;
  let phase = 0;
  let phraseStart = 0;
  while (at < out.length) {
    // A word: 1-3 syllables, then a short pause; a phrase's pitch falls over about 2 s, then resets.
    const syllables = 1 + Math.floor(random() * 3);
    for (let s = 0; s < syllables && at < out.length; s++) {
      const length = Math.round((0.16 + random() * 0.14) * sampleRate);
      const [f1, f2, f3] = vowels[Math.floor(random() * vowels.length)]!;
      formants.forEach((r, i) => r.tune([f1, f2, f3][i]!, formantBandwidthsHz[i]!, sampleRate));
      const fricative = random() < 0.4 ? Math.round((0.03 + random() * 0.05) * sampleRate) : 0;
      const loudness = 0.5 + random() * 0.5;
      const contour = (random() - 0.5) * 0.3;
      for (let i = 0; i < length && at < out.length; i++, at++) {
        const phraseSeconds = (at - phraseStart) / sampleRate;
        if (phraseSeconds > 2.2) phraseStart = at;
        const f0 = 130 * (1 - 0.12 * Math.min(1, phraseSeconds / 2.2)) * (1 + contour * (i / length));
        phase += f0 / sampleRate;
        // A pulse per pitch period, lowpassed once for the glottal spectrum's tilt.
        const pulse = phase >= 1 ? 1 : 0;
        if (phase >= 1) phase -= 1;
        tilt.y = 0.96 * tilt.y + pulse;
        const envelope = Math.min(1, i / (0.02 * sampleRate), (length - i) / (0.03 * sampleRate));
        const voiced = i >= fricative ? formants.reduce((x, r) => r.next(x), tilt.y) : 0;
        const noise = i < fricative ? (random() - 0.5) * 0.25 * (1 - i / fricative) : 0;
        out[at] = loudness * envelope * voiced * 0.18 + noise;
      }
    }
    at += Math.round((0.04 + random() * 0.12) * sampleRate);
  }
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  // Peak at -3 dBFS, with a faint noise floor as a microphone has.
  const gain = peak > 0 ? (0.7 * 32767) / peak : 0;
  const pcm = new Int16Array(out.length);
  for (let i = 0; i < out.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(out[i]! * gain + (random() - 0.5) * 8)));
  return pcm;
}

/** RFC 6464's level of a frame: its RMS in -dBov, 0 (loudest) to 127 (silence). */
export function audioLevel(pcm: Int16Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += pcm[i]! * pcm[i]!;
  const rms = Math.sqrt(sum / Math.max(1, end - start)) / 32768;
  return rms <= 0 ? 127 : Math.max(0, Math.min(127, Math.round(-20 * Math.log10(rms))));
}
