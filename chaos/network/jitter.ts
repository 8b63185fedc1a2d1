/** Delay variation around the profile's delay, from uniforms (so it stays a pure function of the packet's draws). */
import type { JitterSpec } from '../../core/scenario/network-types.js';

// Pareto with shape 3 and scale 1 has mean 1.5 and standard deviation √3/2: shifted and scaled to mean 0, sd 1.
const paretoShape = 3;
const paretoMean = 1.5;
const paretoSd = Math.sqrt(3) / 2;

/** Standard-normal from two uniforms (Box–Muller). */
function normal(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}

/** Milliseconds to add to the delay (negative: earlier); u1, u2 uniform in [0, 1). */
export function jitterMs(spec: JitterSpec, u1: number, u2: number): number {
  switch (spec.distribution) {
    case 'uniform':
      return (2 * u1 - 1) * spec.ms;
    case 'normal':
      return normal(u1, u2) * spec.ms;
    case 'pareto':
      return ((1 / (1 - u1) ** (1 / paretoShape) - paretoMean) / paretoSd) * spec.ms;
  }
}
