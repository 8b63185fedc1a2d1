/**
 * How many bytes a real-time encoder puts in each frame at a target bitrate: delta frames scattered
 * around the mean, a keyframe several times larger, and the frames after a keyframe smaller until the
 * encoder's rate buffer has paid it back (as libvpx's CBR mode does). Seeded: the same sizes every run.
 */

export interface FrameSizeOptions {
  bitrateKbps: number;
  fps: number;
  /** A keyframe's size over a delta frame's at the same bitrate. */
  keyframeRatio?: number;
  /** Spread of delta frames around their target, as a fraction (uniform). */
  spread?: number;
  /** The rate buffer is paid back over this long after a keyframe. */
  paybackMs?: number;
  random: () => number;
}

export class FrameSizeModel {
  private bitrateKbps: number;
  private readonly fps: number;
  private readonly keyframeRatio: number;
  private readonly spread: number;
  private readonly paybackFrames: number;
  private readonly random: () => number;
  /** Bytes sent over the budget, still to pay back. */
  private debt = 0;

  constructor(options: FrameSizeOptions) {
    this.bitrateKbps = options.bitrateKbps;
    this.fps = options.fps;
    this.keyframeRatio = options.keyframeRatio ?? 6;
    this.spread = options.spread ?? 0.25;
    this.paybackFrames = Math.max(1, Math.round(((options.paybackMs ?? 1000) * options.fps) / 1000));
    this.random = options.random;
  }

  /** The encoder's new target (congestion control, a layer's share). */
  setBitrate(kbps: number): void {
    this.bitrateKbps = kbps;
  }

  get targetKbps(): number {
    return this.bitrateKbps;
  }

  /** Bytes of the next frame. */
  next(keyframe: boolean): number {
    const mean = (this.bitrateKbps * 1000) / 8 / this.fps;
    if (keyframe) {
      const size = Math.round(mean * this.keyframeRatio);
      this.debt += size - mean;
      return size;
    }
    const payback = Math.min(this.debt, this.debt / this.paybackFrames + mean * 0.02);
    // An encoder never drops below a floor while paying back: a third of the mean.
    const target = Math.max(mean / 3, mean - payback);
    this.debt = Math.max(0, this.debt - (mean - target));
    const size = target * (1 + this.spread * (2 * this.random() - 1));
    return Math.max(16, Math.round(size));
  }
}
