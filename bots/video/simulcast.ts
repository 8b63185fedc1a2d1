/**
 * A video bot's simulcast ladder and how its available bitrate is shared among the layers, as a
 * browser's simulcast rate allocator does: layers are filled from the lowest up, each to its target;
 * a layer whose minimum the rest cannot cover is paused, with every layer above it; what is left goes
 * to the highest layer sent, up to its maximum.
 */

export interface SimulcastLayer {
  width: number;
  height: number;
  minKbps: number;
  targetKbps: number;
  maxKbps: number;
}

/**
 * `count` layers ending at width×height, each half the size of the next; the bitrate `totalKbps` is
 * shared in proportion to pixels^0.75 (smaller pictures cost more bits per pixel), as browser ladders do.
 */
export function simulcastLadder(width: number, height: number, totalKbps: number, count: 1 | 2 | 3): SimulcastLayer[] {
  const sizes = Array.from({ length: count }, (_, k) => {
    const scale = 2 ** (count - 1 - k);
    return { width: Math.round(width / scale), height: Math.round(height / scale) };
  });
  const weights = sizes.map((s) => (s.width * s.height) ** 0.75);
  const sum = weights.reduce((a, b) => a + b, 0);
  return sizes.map((s, k) => {
    const targetKbps = Math.round((totalKbps * weights[k]!) / sum);
    return { ...s, minKbps: Math.round(targetKbps * 0.3), targetKbps, maxKbps: Math.round(targetKbps * 1.25) };
  });
}

/** Each layer's bitrate from `availableKbps` (0: paused); the lowest layer is always sent, at least at its minimum. */
export function allocateLayers(availableKbps: number, layers: readonly SimulcastLayer[]): number[] {
  const out = layers.map(() => 0);
  let left = availableKbps;
  let top = -1;
  for (let k = 0; k < layers.length; k++) {
    const layer = layers[k]!;
    if (k > 0 && left < layer.minKbps) break;
    out[k] = Math.max(layer.minKbps, Math.min(layer.targetKbps, left));
    left -= out[k]!;
    top = k;
  }
  if (top >= 0 && left > 0) {
    const extra = Math.min(left, layers[top]!.maxKbps - out[top]!);
    out[top]! += Math.max(0, extra);
  }
  return out;
}
