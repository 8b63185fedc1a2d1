/**
 * Reads k6's JSON output (`k6 run --out json=FILE`, https://grafana.com/docs/k6/latest/results-output/real-time/json/):
 * one object a line, either a metric declaration or a sample,
 *
 *   {"type":"Metric","data":{"type":"trend","contains":"time",…},"metric":"signalling_rtt_ms"}
 *   {"type":"Point","data":{"time":"2017-05-09T14:34:45.625742514+02:00","value":12.5,"tags":{"scenario":"storm",…}},"metric":"signalling_rtt_ms"}
 *
 * and merges the samples of the metrics rtcstorm knows into the run's MetricStore, grouped by the
 * k6 scenario they came from (one k6 scenario per k6 fleet group). Custom scripts get their samples
 * imported by using the same metric names.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { MetricStore } from '../../core/metrics/store.js';

export interface K6Point {
  metric: string;
  /** Absolute, ms since the epoch. */
  atMs: number;
  value: number;
  tags: Record<string, string>;
}

export class K6OutputError extends Error {
  override name = 'K6OutputError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The sample on one line, or undefined for a line that holds none (a metric declaration, a blank line). */
export function parseK6Line(line: string): K6Point | undefined {
  if (line.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new K6OutputError(`not JSON: ${line.slice(0, 120)}`);
  }
  if (!isRecord(parsed) || parsed['type'] !== 'Point') return undefined;
  const { metric, data } = parsed;
  if (typeof metric !== 'string' || !isRecord(data)) throw new K6OutputError(`Point without metric or data: ${line.slice(0, 120)}`);
  // k6 writes RFC 3339 times with nanoseconds; Date.parse keeps the milliseconds.
  const atMs = typeof data['time'] === 'string' ? Date.parse(data['time']) : Number.NaN;
  const value = data['value'];
  if (!Number.isFinite(atMs) || typeof value !== 'number' || !Number.isFinite(value)) {
    throw new K6OutputError(`Point of ${metric} without a valid time and value: ${line.slice(0, 120)}`);
  }
  const tags = isRecord(data['tags']) ? Object.fromEntries(Object.entries(data['tags']).map(([k, v]) => [k, String(v)])) : {};
  return { metric, atMs, value, tags };
}

type Importer = (store: MetricStore, point: K6Point, group: string) => void;

/** The k6 metrics rtcstorm keeps, and where each goes in the store; the rest (k6's built-ins) are left out. */
const importers: Record<string, Importer> = {
  signalling_rtt_ms: (store, p, group) => store.record('signalling_rtt_ms', p.value, group, p.atMs),
  join_ack_ms: (store, p, group) => store.record('join_ack_ms', p.value, group, p.atMs),
  // k6's `checks` rate: one sample per check, 1 passed, 0 failed. Kept as two counters (see aggregate.ts).
  checks: (store, p, group) => {
    store.count('k6_checks_total', 1, group, p.atMs);
    if (p.value > 0) store.count('k6_checks_passed', 1, group, p.atMs);
  },
};

/** Merges one sample; true when it was kept (a known metric from one of `groups`). */
export function importK6Point(store: MetricStore, point: K6Point, groups: ReadonlySet<string>): boolean {
  const importer = importers[point.metric];
  const group = point.tags['scenario'];
  if (importer === undefined || group === undefined || !groups.has(group)) return false;
  importer(store, point, group);
  return true;
}

/**
 * Imports a whole output file; returns how many samples were kept. A cut-off last line (k6 killed
 * while writing) is ignored; a bad line anywhere else is an error.
 */
export async function importK6Output(file: string, store: MetricStore, groups: ReadonlySet<string>): Promise<number> {
  let kept = 0;
  let pendingError: K6OutputError | undefined;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (pendingError) throw pendingError;
    try {
      const point = parseK6Line(line);
      if (point && importK6Point(store, point, groups)) kept++;
    } catch (error) {
      if (!(error instanceof K6OutputError)) throw error;
      pendingError = error;
    }
  }
  return kept;
}
