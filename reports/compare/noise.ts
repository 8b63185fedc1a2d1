/**
 * How much a metric moves by chance, so `compare` can tell a regression from noise.
 * - Several baseline runs: their spread (max − min) is the noise, covering everything that varies
 *   from run to run.
 * - One run: a 95% confidence interval from the samples themselves. Latency samples of one run are
 *   correlated (a slow second slows many packets), so these intervals are narrower than run-to-run
 *   noise: keep several baseline runs where it matters.
 */
import type { Histogram } from '../../core/metrics/histogram.js';

/** Two-sided 95% normal quantile. */
const z95 = 1.959964;

export interface Interval { low: number; high: number }

/**
 * 95% interval of percentile `p` (0..100) by order statistics: the rank of the sample at the
 * p-quantile is Binomial(n, p/100), so its value lies between the samples at ranks n·q ∓ z·√(n·q·(1−q)).
 */
export function percentileInterval(h: Histogram, p: number): Interval | null {
  const n = h.count;
  if (n === 0) return null;
  const q = p / 100;
  const spread = z95 * Math.sqrt(n * q * (1 - q));
  const rankPercentile = (rank: number): number => Math.min(100, Math.max(0, (100 * rank) / n));
  return { low: h.percentile(rankPercentile(Math.floor(n * q - spread))), high: h.percentile(rankPercentile(Math.ceil(n * q + spread) + 1)) };
}

/** Wilson score interval of a proportion `failures / trials`; stays sensible at 0 failures. */
export function proportionInterval(failures: number, trials: number): Interval | null {
  if (trials <= 0) return null;
  const p = failures / trials;
  const z2 = z95 * z95;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z95 * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** 95% interval of the mean of `values` (normal approximation); null below two values. */
export function meanInterval(values: readonly number[]): Interval | null {
  if (values.length < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  const half = z95 * Math.sqrt(variance / values.length);
  return { low: mean - half, high: mean + half };
}

/** max − min of the values measured in several runs. */
export function spread(values: readonly number[]): number {
  return values.length === 0 ? 0 : Math.max(...values) - Math.min(...values);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
