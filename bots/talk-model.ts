/**
 * Who talks when. `always`: a packet every packet time. `p59`: the ITU-T P.59 conversational
 * on/off model — talk spurts (mean 1.004 s) and pauses (mean 1.587 s), exponentially distributed,
 * seeded per bot — with Opus DTX in pauses: one comfort-noise packet every 400 ms instead of none.
 */
import type { TalkSpec } from '../core/scenario/index.js';

export type PacketKind = 'speech' | 'comfort-noise' | 'none';

const meanTalkMs = 1004;
const meanPauseMs = 1587;
export const dtxIntervalMs = 400;

export class TalkModel {
  private talking: boolean;
  private switchAtMs = Number.NEGATIVE_INFINITY;
  private lastComfortNoiseMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly spec: TalkSpec, private readonly random: () => number) {
    // Start where a long conversation would be at a random moment: talking 38.7% of the time.
    this.talking = random() < meanTalkMs / (meanTalkMs + meanPauseMs);
  }

  private draw(meanMs: number): number {
    return -meanMs * Math.log(1 - this.random());
  }

  /** What to send at this packet time. */
  next(nowMs: number): PacketKind {
    if (this.spec.model === 'always') return 'speech';
    if (nowMs >= this.switchAtMs) {
      if (Number.isFinite(this.switchAtMs)) this.talking = !this.talking;
      this.switchAtMs = nowMs + this.draw(this.talking ? meanTalkMs : meanPauseMs);
    }
    if (this.talking) return 'speech';
    if (!this.spec.dtx || nowMs - this.lastComfortNoiseMs < dtxIntervalMs) return 'none';
    this.lastComfortNoiseMs = nowMs;
    return 'comfort-noise';
  }
}
