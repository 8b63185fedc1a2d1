/**
 * HDR histogram of one metric, exactly mergeable across processes and machines.
 *
 * Values are given in the metric's unit (fractions allowed) and stored as integers at a fixed
 * per-unit scale (`unitScale`), with 3 significant digits. Every statistic (min, max, mean,
 * percentiles) is derived from the bucket counts only, never from the raw extremes HDR keeps for
 * live histograms, because decoding loses those: this is what makes a histogram merged from
 * serialized parts report exactly the same numbers as one that recorded every sample itself.
 * Consequence: results are at HDR resolution (relative error < 0.1%); percentiles and max are the
 * highest value of their bucket (conservative for thresholds), min the lowest.
 *
 * Counts are float64 (exact up to 2^53, where int32 would silently wrap on whole-run merges), not
 * hdr-histogram-js's 'packed' arrays: packed reads walk a tree per index, which made every encode,
 * decode, merge and percentile cost 2-6 ms instead of 0.02-0.4 ms (measured, 3 significant digits,
 * values up to 400 ms at µs scale). Memory at rest is kept low by MetricStore, which holds closed
 * seconds in the compressed encoding (~0.2-3 KB, below packed's 1.5-14 KB for the same data); a
 * live Histogram costs 8 bytes per counts slot (~80 KB for values up to 400 ms).
 */
import hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { metricCatalogue, type MetricInfo, type MetricName } from './catalogue.js';

export type MetricUnit = MetricInfo['unit'];

/**
 * Stored integer units per unit of value. ms → microseconds: LAN latencies and jitter live below
 * 1 ms and must not collapse to 0. percent → 0.001 %. ratio → parts per million. MB → kB. score → 0.001. Counts are whole.
 * The scale is not part of the serialized form: it is implied by the metric name, so changing an
 * entry here makes older reports unreadable.
 */
export const unitScale: Readonly<Record<MetricUnit, number>> = {
  ms: 1000,
  percent: 1000,
  ratio: 1_000_000,
  packets: 1,
  bots: 1,
  count: 1,
  MB: 1000,
  score: 1000,
};

export function scaleOf(metric: MetricName): number {
  return unitScale[metricCatalogue[metric].unit];
}

export interface HistogramSummary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  avg: number;
}

const SIGNIFICANT_DIGITS = 3;

/** Starts the wire encoding (`toWire`); HDR's compressed base64 starts with "HISTF". */
const wirePrefix = 'w:';

/**
 * Counts of histograms the store is done with (`release`), reset and reused: a fleet process makes
 * each second's histograms afresh, and allocating and growing their arrays kept V8 in a full
 * collection every 2-3 s (docs/native-plane.md).
 */
const spareCounts: JsHistogram[] = [];
const maxSpareCounts = 256;

function newCounts(): JsHistogram {
  const spare = spareCounts.pop();
  if (spare) {
    spare.reset();
    return spare;
  }
  // Starts tiny and grows with the largest value recorded.
  const h = new hdr.Float64Histogram(1, 2, SIGNIFICANT_DIGITS);
  h.autoResize = true;
  return h;
}

export class Histogram {
  readonly scale: number;
  /** Allocated on the first sample or merge: empty results (no data for a range) cost nothing. */
  #h: JsHistogram | null = null;

  /** `scale`: stored integer units per unit of value; use `Histogram.forMetric` for catalogue metrics. */
  constructor(scale = 1) {
    if (!(Number.isFinite(scale) && scale > 0)) throw new RangeError(`invalid histogram scale ${scale}`);
    this.scale = scale;
  }

  static forMetric(metric: MetricName): Histogram {
    return new Histogram(scaleOf(metric));
  }

  /**
   * Negative values are recorded as 0: HDR cannot hold them, and the one realistic source (one-way
   * latency under clock skew between machines) is better counted as 0 than dropped from the count.
   * Non-finite values are a caller bug and throw.
   */
  record(value: number): void {
    this.#counts().recordValue(this.#toStored(value));
  }

  recordMany(value: number, n: number): void {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`invalid sample count ${n}`);
    const stored = this.#toStored(value);
    if (n > 0) this.#counts().recordValueWithCount(stored, n);
  }

  /** Its counts go back for reuse and it is empty again: only for a histogram no one else holds (the store's own, once encoded). */
  release(): void {
    if (this.#h && spareCounts.length < maxSpareCounts) spareCounts.push(this.#h);
    this.#h = null;
  }

  merge(other: Histogram): void {
    if (other.scale !== this.scale) throw new Error(`cannot merge histograms of scale ${other.scale} into ${this.scale}`);
    if (other.#h) this.#counts().add(other.#h);
  }

  get count(): number {
    return this.#h?.totalCount ?? 0;
  }

  /** NaN when empty (as are max, mean and percentiles): there is no value, and 0 would look like one. */
  get min(): number {
    return this.percentile(0);
  }

  get max(): number {
    const h = this.#nonEmpty();
    return h ? h.highestEquivalentValue(h.maxValue) / this.scale : NaN;
  }

  /** Each bucket counts at its midpoint, as HDR's own mean does; that one walks a generic iterator ~50x slower. */
  get mean(): number {
    const h = this.#nonEmpty();
    if (!h) return NaN;
    let total = 0;
    const last = h.countsArrayIndex(h.maxValue);
    for (let i = 0; i <= last; i++) {
      const n = h.getCountAtIndex(i);
      if (n > 0) total += n * h.medianEquivalentValue(h.valueFromIndex(i));
    }
    return total / h.totalCount / this.scale;
  }

  /** p in 0..100. p = 0 gives the lowest bucket's lower bound, any other p its bucket's upper bound. */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} outside 0..100`);
    const h = this.#nonEmpty();
    return h ? h.getValueAtPercentile(p) / this.scale : NaN;
  }

  /** Samples whose bucket lies at or below `value`'s bucket (cumulative counts for Prometheus buckets and distribution charts). */
  countAtOrBelow(value: number): number {
    const h = this.#nonEmpty();
    if (!h || value < 0) return 0;
    const last = Math.min(h.countsArrayIndex(this.#toStored(value)), h.countsArrayIndex(h.maxValue));
    let total = 0;
    for (let i = 0; i <= last; i++) total += h.getCountAtIndex(i);
    return total;
  }

  /** null when nothing was recorded, so reports can't mistake "no data" for zeros. */
  summary(): HistogramSummary | null {
    if (this.count === 0) return null;
    return {
      count: this.count,
      min: this.min,
      p50: this.percentile(50),
      p95: this.percentile(95),
      p99: this.percentile(99),
      max: this.max,
      avg: this.mean,
    };
  }

  /** HDR V2 compressed encoding, base64. */
  toJSON(): string {
    return hdr.encodeIntoCompressedBase64(this.#counts());
  }

  /**
   * The same counts as `gap:count` pairs of its non-empty buckets (base 36; the gap from the previous
   * one's index), for a fleet process's seconds on their way to the run: no deflate, which took 8-15%
   * of a fleet process's event loop (docs/native-plane.md). Reports and the journal keep HDR's
   * encoding (`toJSON`); `fromJSON` reads both.
   */
  toWire(): string {
    const h = this.#nonEmpty();
    if (!h) return wirePrefix;
    const pairs: string[] = [];
    const last = h.countsArrayIndex(h.maxValue);
    for (let i = 0, previous = 0; i <= last; i++) {
      const count = h.getCountAtIndex(i);
      if (count === 0) continue;
      pairs.push(`${(i - previous).toString(36)}:${count.toString(36)}`);
      previous = i;
    }
    return wirePrefix + pairs.join(',');
  }

  static isWire(encoded: string): boolean {
    return encoded.startsWith(wirePrefix);
  }

  /** `scale` must be the one the histogram was recorded with (implied by its metric). */
  static fromJSON(encoded: string, scale = 1): Histogram {
    if (Histogram.isWire(encoded)) return Histogram.#fromWire(encoded, scale);
    const decoded = hdr.decodeFromCompressedBase64(encoded, 64, false);
    if (!(decoded instanceof hdr.JsHistogram)) throw new Error('hdr-histogram-js returned a non-JS histogram');
    // Decoding does not carry the flag over, and merges must be able to grow the histogram.
    decoded.autoResize = true;
    const h = new Histogram(scale);
    h.#h = decoded;
    return h;
  }

  static #fromWire(encoded: string, scale: number): Histogram {
    const h = new Histogram(scale);
    if (encoded.length === wirePrefix.length) return h;
    const counts = h.#counts();
    let index = 0;
    for (const pair of encoded.slice(wirePrefix.length).split(',')) {
      const colon = pair.indexOf(':');
      index += parseInt(pair.slice(0, colon), 36);
      const count = parseInt(pair.slice(colon + 1), 36);
      if (!(colon > 0 && index >= 0 && count > 0)) throw new Error(`invalid histogram wire encoding at "${pair}"`);
      counts.recordValueWithCount(counts.valueFromIndex(index), count);
    }
    return h;
  }

  #counts(): JsHistogram {
    return (this.#h ??= newCounts());
  }

  #nonEmpty(): JsHistogram | null {
    return this.#h && this.#h.totalCount > 0 ? this.#h : null;
  }

  #toStored(value: number): number {
    if (!Number.isFinite(value)) throw new RangeError(`cannot record non-finite value ${value}`);
    return value <= 0 ? 0 : Math.round(value * this.scale);
  }
}
