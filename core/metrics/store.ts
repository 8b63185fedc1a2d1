/**
 * Everything a run measured, bucketed by whole second since the run's shared start time.
 *
 * The same store type lives in every bot process (shipping closed seconds as deltas), in the
 * coordinator (merging those deltas) and in reports (merging shards from machines): one merge path,
 * `mergeBucket`, serves all three.
 *
 * Memory: a (second, metric, group) histogram exists only once a value arrives, and is live only
 * while data keeps coming for its second or the next: writing to second t freezes live histograms of
 * seconds before t - 1 to their HDR compressed encoding (~0.2-3 KB instead of ~80 KB of live counts),
 * which reads decode on the fly. A late sample for a frozen second still lands in its own second (the
 * cell is thawed again), it only costs a decode. A fleet process's store ships each second as it
 * closes and does not freeze (`freeze: false`).
 */
import {
  isMetricName,
  metricCatalogue,
  type CounterMetric,
  type GaugeMetric,
  type MetricKind,
  type MetricName,
  type MetricOfKind,
  type TrendMetric,
} from './catalogue.js';
import { Histogram, scaleOf } from './histogram.js';

/** `atMs` is relative to the store's `startMs` (unlike the absolute `atMs` of samples). */
export interface RunEvent {
  atMs: number;
  kind: string;
  action?: string;
  target?: string;
  ok?: boolean;
  detail?: string;
  /** For a step that lasts (a pause, an impairment): how long it was planned to last. */
  durationMs?: number;
}

export interface SerializedBucket {
  t: number;
  /** metric → group → HDR compressed base64, or between a fleet process and its run the wire encoding (`Histogram.toWire`) */
  histograms: Record<string, Record<string, string>>;
  counters: Record<string, Record<string, number>>;
  gauges: Record<string, Record<string, number>>;
  events: RunEvent[];
}

export interface SerializedStore {
  startMs: number;
  buckets: SerializedBucket[];
}

type ByGroup<V> = Map<string, V>;

/** Live histogram, or frozen to its HDR encoding. */
type Cell = Histogram | string;

function thaw(cell: Cell, metric: TrendMetric): Histogram {
  return typeof cell === 'string' ? Histogram.fromJSON(cell, scaleOf(metric)) : cell;
}

function encoded(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.toJSON();
}

function onWire(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.toWire();
}

class Bucket {
  readonly histograms = new Map<TrendMetric, ByGroup<Cell>>();
  readonly counters = new Map<CounterMetric, ByGroup<number>>();
  readonly gauges = new Map<GaugeMetric, ByGroup<number>>();
  readonly events: RunEvent[] = [];

  freeze(): void {
    for (const byGroup of this.histograms.values()) {
      for (const [group, cell] of byGroup) {
        byGroup.set(group, encoded(cell));
        if (typeof cell !== 'string') cell.release();
      }
    }
  }

  /** Once serialized and dropped: live histograms are the store's alone (recorded into, never handed out). */
  release(): void {
    for (const byGroup of this.histograms.values()) {
      for (const cell of byGroup.values()) if (typeof cell !== 'string') cell.release();
    }
  }
}

function groupsOf<M, V>(byMetric: Map<M, ByGroup<V>>, metric: M): ByGroup<V> {
  let byGroup = byMetric.get(metric);
  if (!byGroup) {
    byGroup = new Map();
    byMetric.set(metric, byGroup);
  }
  return byGroup;
}

function addTo<M>(byMetric: Map<M, ByGroup<number>>, metric: M, group: string, n: number): void {
  const byGroup = groupsOf(byMetric, metric);
  byGroup.set(group, (byGroup.get(group) ?? 0) + n);
}

function toRecord<M extends string, V, J>(byMetric: Map<M, ByGroup<V>>, encode: (v: V) => J): Record<string, Record<string, J>> {
  const out: Record<string, Record<string, J>> = {};
  for (const [metric, byGroup] of byMetric) {
    const groups: Record<string, J> = {};
    for (const [group, v] of byGroup) groups[group] = encode(v);
    out[metric] = groups;
  }
  return out;
}

function isOfKind<K extends MetricKind>(name: string, kind: K): name is MetricOfKind<K> {
  return isMetricName(name) && metricCatalogue[name].kind === kind;
}

function finite(what: string, v: number): number {
  if (!Number.isFinite(v)) throw new RangeError(`${what} must be finite, got ${v}`);
  return v;
}

/** Buckets arrive over IPC and from report files: reject anything that is not ours rather than mis-merge it. */
function parseSection<K extends MetricKind, V, O>(
  section: Record<string, Record<string, V>>,
  kind: K,
  parse: (metric: MetricOfKind<K>, v: V) => O,
): [MetricOfKind<K>, string, O][] {
  const out: [MetricOfKind<K>, string, O][] = [];
  for (const [name, groups] of Object.entries(section)) {
    if (!isOfKind(name, kind)) throw new Error(`bucket holds ${name}, which is not a ${kind} metric`);
    for (const [group, v] of Object.entries(groups)) out.push([name, group, parse(name, v)]);
  }
  return out;
}

function valuesOf<V>(byGroup: ByGroup<V>, group: string | undefined): Iterable<V> {
  if (group === undefined) return byGroup.values();
  const v = byGroup.get(group);
  return v === undefined ? [] : [v];
}

function addGroupsOf(byMetric: ReadonlyMap<string, ByGroup<unknown>>, metric: MetricName | undefined, into: Set<string>): void {
  for (const [m, byGroup] of byMetric) {
    if (metric === undefined || m === metric) for (const g of byGroup.keys()) into.add(g);
  }
}

/** Samples before the start (processes' clocks and timers are not exact) belong to second 0. */
function secondOfRelative(relMs: number): number {
  return Math.max(0, Math.floor(relMs / 1000));
}

function inRange(t: number, fromSecond?: number, toSecond?: number): boolean {
  return (fromSecond === undefined || t >= fromSecond) && (toSecond === undefined || t <= toSecond);
}

export class MetricStore {
  readonly startMs: number;
  readonly #buckets = new Map<number, Bucket>();
  /** Seconds that may hold live histograms: normally the current and previous one. */
  readonly #live = new Set<number>();
  /** Seconds written since the last `takeChanged`; null unless `trackChanges` was called (the run's journal). */
  #changed: Set<number> | null = null;

  /** Whether old seconds are frozen to their encoding; a store that ships its seconds as they close (a fleet process's) need not. */
  readonly #freezes: boolean;

  /** `freeze: false`: seconds stay live until taken (a late sample would otherwise cost an encoding and a deflate before it is shipped). */
  constructor(startMs: number, options: { freeze?: boolean } = {}) {
    finite('startMs', startMs);
    this.startMs = startMs;
    this.#freezes = options.freeze ?? true;
  }

  // ---- write side: `atMs` is absolute (Date.now() clock) ----

  record(metric: TrendMetric, value: number, group: string, atMs = Date.now()): void {
    finite(`sample of ${metric}`, value);
    this.#liveHistogram(this.#secondAt(atMs), metric, group).record(value);
  }

  /** `n` samples of one value at once (counted elsewhere, e.g. by the native plane's accounting). */
  recordMany(metric: TrendMetric, value: number, n: number, group: string, atMs = Date.now()): void {
    finite(`sample of ${metric}`, value);
    this.#liveHistogram(this.#secondAt(atMs), metric, group).recordMany(value, n);
  }

  count(metric: CounterMetric, n: number, group: string, atMs = Date.now()): void {
    if (!(Number.isFinite(n) && n >= 0)) throw new RangeError(`counter ${metric} increment must be finite and >= 0, got ${n}`);
    addTo(this.#bucket(this.#secondAt(atMs)).counters, metric, group, n);
  }

  /**
   * Last value within a second wins. Across stores gauges are summed (see `mergeBucket`), so a gauge
   * must be set for the current second only: setting it again for a second already taken by
   * `takeClosedSeconds` would ship that second twice and double it at the receiver.
   */
  gauge(metric: GaugeMetric, value: number, group: string, atMs = Date.now()): void {
    finite(`gauge ${metric}`, value);
    groupsOf(this.#bucket(this.#secondAt(atMs)).gauges, metric).set(group, value);
  }

  event(e: RunEvent): void {
    finite('event atMs', e.atMs);
    this.#bucket(secondOfRelative(e.atMs)).events.push({ ...e });
  }

  /**
   * Removes and returns the seconds that ended at or before `nowMs`, oldest first. `wire`: live
   * histograms in the wire encoding, for another store of this code to merge (a fleet process's seconds).
   */
  takeClosedSeconds(nowMs = Date.now(), wire = false): SerializedBucket[] {
    const current = Math.floor((nowMs - this.startMs) / 1000);
    return this.#take((t) => t < current, wire);
  }

  takeAll(wire = false): SerializedBucket[] {
    return this.#take(() => true, wire);
  }

  /** From now on, remembers which seconds are written to, for `takeChanged`. */
  trackChanges(): void {
    this.#changed ??= new Set();
  }

  /**
   * Copies of the whole seconds before `beforeSecond` written since the last call, oldest first;
   * they stay in the store. A second written again later is returned again, whole: the latest copy
   * of a second is all of it.
   */
  takeChanged(beforeSecond = Number.POSITIVE_INFINITY): SerializedBucket[] {
    if (!this.#changed) return [];
    const seconds = [...this.#changed].filter((t) => t < beforeSecond).sort((a, b) => a - b);
    const out: SerializedBucket[] = [];
    for (const t of seconds) {
      this.#changed.delete(t);
      const bucket = this.#buckets.get(t);
      if (bucket) out.push(serialize(t, bucket));
    }
    return out;
  }

  /**
   * Merges a second from another store with the same `startMs`: histograms merged, counters added,
   * gauges added (every source ships each second once, so the sum is the fleet-wide value, e.g. bots
   * connected over all processes), events appended.
   */
  mergeBucket(b: SerializedBucket): void {
    if (!(Number.isInteger(b.t) && b.t >= 0)) throw new RangeError(`invalid bucket second ${b.t}`);
    // Parse everything before touching the store, so a bad bucket is rejected whole, not half-merged.
    const histograms = parseSection(b.histograms, 'trend', (metric, json: string) => ({ json, h: Histogram.fromJSON(json, scaleOf(metric)) }));
    const counters = parseSection(b.counters, 'counter', (metric, n: number) => finite(`counter ${metric}`, n));
    const gauges = parseSection(b.gauges, 'gauge', (metric, v: number) => finite(`gauge ${metric}`, v));
    for (const e of b.events) finite('event atMs', e.atMs);

    const bucket = this.#bucket(b.t);
    for (const [metric, group, incoming] of histograms) {
      const byGroup = groupsOf(bucket.histograms, metric);
      if (byGroup.has(group)) {
        this.#liveHistogram(b.t, metric, group).merge(incoming.h);
        incoming.h.release();
      } else if (Histogram.isWire(incoming.json)) {
        // Kept live, so what this store writes (journal, report) is HDR's encoding, made once per second and group after the merges.
        byGroup.set(group, incoming.h);
        this.#live.add(b.t);
      } else {
        // A first arrival in HDR's encoding is kept as received: already frozen, nothing to encode later.
        byGroup.set(group, incoming.json);
        incoming.h.release();
      }
    }
    for (const [metric, group, n] of counters) addTo(bucket.counters, metric, group, n);
    for (const [metric, group, v] of gauges) addTo(bucket.gauges, metric, group, v);
    for (const e of b.events) bucket.events.push({ ...e });
  }

  /** Goes through the serialized form on purpose: one merge path for processes and machines, no shared histograms. */
  merge(other: MetricStore): void {
    if (other.startMs !== this.startMs) throw new Error(`cannot merge stores started at ${other.startMs} and ${this.startMs}`);
    for (const b of other.#serializeAll()) this.mergeBucket(b);
  }

  toJSON(): SerializedStore {
    return { startMs: this.startMs, buckets: this.#serializeAll() };
  }

  static fromJSON(s: SerializedStore): MetricStore {
    const store = new MetricStore(s.startMs);
    for (const b of s.buckets) store.mergeBucket(b);
    return store;
  }

  // ---- read side. Second ranges are inclusive at both ends; omitted bounds are open. ----

  seconds(): number[] {
    return [...this.#buckets.keys()].sort((a, b) => a - b);
  }

  /** A new histogram (empty if there is no data), merged over the selected groups and seconds. */
  histogram(metric: TrendMetric, group?: string, fromSecond?: number, toSecond?: number): Histogram {
    const out = Histogram.forMetric(metric);
    for (const byGroup of this.#selected((b) => b.histograms.get(metric), fromSecond, toSecond)) {
      for (const cell of valuesOf(byGroup, group)) out.merge(thaw(cell, metric));
    }
    return out;
  }

  counter(metric: CounterMetric, group?: string, fromSecond?: number, toSecond?: number): number {
    let sum = 0;
    for (const byGroup of this.#selected((b) => b.counters.get(metric), fromSecond, toSecond)) {
      for (const n of valuesOf(byGroup, group)) sum += n;
    }
    return sum;
  }

  /** Summed over groups when `group` is omitted; undefined when no group set the gauge in that second. */
  gaugeAt(metric: GaugeMetric, second: number, group?: string): number | undefined {
    const byGroup = this.#buckets.get(second)?.gauges.get(metric);
    if (!byGroup || byGroup.size === 0) return undefined;
    if (group !== undefined) return byGroup.get(group);
    let sum = 0;
    for (const v of byGroup.values()) sum += v;
    return sum;
  }

  /** Sorted groups that have data for `metric` (any metric when omitted). */
  groups(metric?: MetricName): string[] {
    const found = new Set<string>();
    for (const b of this.#buckets.values()) {
      addGroupsOf(b.histograms, metric, found);
      addGroupsOf(b.counters, metric, found);
      addGroupsOf(b.gauges, metric, found);
    }
    return [...found].sort();
  }

  /** All events sorted by `atMs` (stable, so same-time events keep their arrival order). */
  events(): RunEvent[] {
    const all: RunEvent[] = [];
    for (const t of this.seconds()) all.push(...this.#buckets.get(t)!.events);
    return all.sort((a, b) => a.atMs - b.atMs);
  }

  // ---- internals ----

  #secondAt(atMs: number): number {
    finite('atMs', atMs);
    return secondOfRelative(atMs - this.startMs);
  }

  #bucket(t: number): Bucket {
    this.#changed?.add(t);
    this.#freezeBefore(t - 1);
    let b = this.#buckets.get(t);
    if (!b) {
      b = new Bucket();
      this.#buckets.set(t, b);
    }
    return b;
  }

  #liveHistogram(t: number, metric: TrendMetric, group: string): Histogram {
    const byGroup = groupsOf(this.#bucket(t).histograms, metric);
    const cell = byGroup.get(group);
    const h = cell === undefined ? Histogram.forMetric(metric) : thaw(cell, metric);
    if (h !== cell) byGroup.set(group, h);
    this.#live.add(t);
    return h;
  }

  #freezeBefore(limit: number): void {
    if (!this.#freezes) return;
    for (const t of this.#live) {
      if (t >= limit) continue;
      this.#buckets.get(t)?.freeze();
      this.#live.delete(t);
    }
  }

  *#selected<V>(pick: (b: Bucket) => ByGroup<V> | undefined, fromSecond?: number, toSecond?: number): Iterable<ByGroup<V>> {
    for (const [t, b] of this.#buckets) {
      const byGroup = inRange(t, fromSecond, toSecond) ? pick(b) : undefined;
      if (byGroup) yield byGroup;
    }
  }

  #take(select: (t: number) => boolean, wire: boolean): SerializedBucket[] {
    const taken: SerializedBucket[] = [];
    for (const t of this.seconds()) {
      if (!select(t)) continue;
      const bucket = this.#buckets.get(t)!;
      taken.push(serialize(t, bucket, wire ? onWire : encoded));
      bucket.release();
      this.#buckets.delete(t);
      this.#live.delete(t);
    }
    return taken;
  }

  #serializeAll(): SerializedBucket[] {
    return this.seconds().map((t) => serialize(t, this.#buckets.get(t)!));
  }
}

function serialize(t: number, b: Bucket, encode: (cell: Cell) => string = encoded): SerializedBucket {
  return {
    t,
    histograms: toRecord(b.histograms, encode),
    counters: toRecord(b.counters, (n) => n),
    gauges: toRecord(b.gauges, (v) => v),
    events: b.events.map((e) => ({ ...e })),
  };
}
