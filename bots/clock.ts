/**
 * Wall-clock milliseconds with sub-millisecond resolution. Every process on a host derives it from
 * the same system clock, so a send time written by one bot process is comparable with an arrival
 * time read in another: one-way latency on one host is exact to the clock's resolution.
 */
export function hostNowMs(): number {
  return performance.timeOrigin + performance.now();
}
