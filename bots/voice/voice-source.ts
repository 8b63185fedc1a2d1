/**
 * One bot's voice: the next Opus packet for each packet time the talk model fills. Talk spurts
 * continue through the speech clip where the last one stopped, as a talker's next sentence follows
 * the last; pauses send the encoder's DTX updates. Bots start at different points of the clip
 * (by their index, so a run is the same every time) so a room does not speak in unison.
 */
import type { EncodedFrame, VoiceClip } from './voice-clip.js';

export class VoiceSource {
  private speechAt: number;
  private noiseAt: number;

  constructor(private readonly clip: VoiceClip, botIndex: number) {
    this.speechAt = (botIndex * 7919) % clip.speech.length;
    this.noiseAt = botIndex % clip.comfortNoise.length;
  }

  next(kind: 'speech' | 'comfort-noise'): EncodedFrame {
    if (kind === 'speech') {
      const frame = this.clip.speech[this.speechAt]!;
      this.speechAt = (this.speechAt + 1) % this.clip.speech.length;
      return frame;
    }
    const frame = this.clip.comfortNoise[this.noiseAt]!;
    this.noiseAt = (this.noiseAt + 1) % this.clip.comfortNoise.length;
    return frame;
  }
}
