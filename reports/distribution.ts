/** A whole-run histogram as chart data: share of samples per log-spaced bin, and the cumulative distribution. */
import type { Histogram } from '../core/metrics/histogram.js';

export interface Distribution {
  count: number;
  /** Upper bound of each bin, in the metric's unit. */
  binUpperBound: number[];
  /** Percent of samples in each bin. */
  binPercent: number[];
  /** CDF points: value, and percent of samples at or below it. */
  cdfValue: number[];
  cdfPercent: number[];
}

/** n points spread evenly on a log scale from lo to hi (both > 0). */
function logSpaced(lo: number, hi: number, n: number): number[] {
  if (hi <= lo) return [hi];
  const step = Math.log(hi / lo) / (n - 1);
  return [...Array(n).keys()].map((i) => lo * Math.exp(step * i));
}

export function distribution(h: Histogram, bins = 50, cdfPoints = 200): Distribution | null {
  if (h.count === 0) return null;
  // Values recorded as 0 (clamped negative latencies) land in the first bin: a log axis has no 0.
  const lo = Math.max(h.min, h.max / 1e4, 1e-3);
  const percentAtOrBelow = (v: number): number => (100 * h.countAtOrBelow(v)) / h.count;
  const hi = Math.max(h.max, lo);
  const edges = logSpaced(lo, hi, bins + 1);
  // The first bin also holds everything below its lower edge.
  const binUpperBound = edges.length > 1 ? edges.slice(1) : edges;
  let below = 0;
  const binPercent = binUpperBound.map((edge) => {
    const upTo = percentAtOrBelow(edge);
    const share = upTo - below;
    below = upTo;
    return share;
  });
  const cdfValue = logSpaced(lo, hi, cdfPoints);
  return { count: h.count, binUpperBound, binPercent, cdfValue, cdfPercent: cdfValue.map(percentAtOrBelow) };
}
