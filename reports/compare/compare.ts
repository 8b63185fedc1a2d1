/**
 * Baseline against candidate, metric by metric. A metric regresses when the candidate is worse than
 * the baseline by more than the tolerance AND by more than the noise; worse past tolerance but
 * within noise is reported as noise, not as a failure.
 */
import { comparedRunCharts, type ComparedRunChart } from '../html/chart-data.js';
import type { Report } from '../report-types.js';
import { loadedRun, selectMetrics, type ComparedMetric, type LoadedRun, type Measurement } from './compared-metrics.js';
import { median, spread } from './noise.js';

/** 'missing': the candidate has no data where the baseline had some and absence means broken (no latency samples at all); a regression too. */
export type CompareStatus = 'ok' | 'improved' | 'noise' | 'regressed' | 'missing' | 'no data';

export function isRegression(status: CompareStatus): boolean {
  return status === 'regressed' || status === 'missing';
}

export interface CompareRow {
  metric: string;
  unit: ComparedMetric['unit'];
  /** One run's value, or the median of several baseline runs. */
  baseline: number | null;
  candidate: number | null;
  /** (candidate − baseline) / baseline; Infinity when the baseline is 0 and the candidate is not. */
  relative: number | null;
  /** How far above the baseline a candidate can be by chance. */
  noise: number | null;
  noiseFrom: 'baseline runs' | 'confidence intervals' | 'search step' | null;
  status: CompareStatus;
}

export interface Comparison {
  baselineRuns: number;
  /** Allowed relative worsening, e.g. 0.1 for 10%. */
  tolerance: number;
  rows: CompareRow[];
  regressed: boolean;
  /** Reasons the comparison may be unfair: other scenario, other fleet size, incomplete or invalid runs. */
  warnings: string[];
  /** What compare.html draws: each run's latency and loss over time, and its latency distribution. */
  charts: ComparedRunChart[];
}

export interface CompareOptions {
  tolerance: number;
  /** --metrics: ids or metric names; all when omitted. */
  metrics?: readonly string[];
}

/** `worse`: how much worse the candidate is (negative when better), `relative` that over the baseline. */
function classify(worse: number, relative: number, tolerance: number, noise: number | null): CompareStatus {
  if (relative < -tolerance) return 'improved';
  if (relative <= tolerance) return 'ok';
  return noise !== null && worse <= noise ? 'noise' : 'regressed';
}

/** Higher is better (capacity): noise is the spread of baseline runs or the candidate's resolution (a step), whichever is larger. */
function compareHigherIsBetter(row: CompareRow, measured: Measurement[], b: number, c: Measurement, tolerance: number): CompareRow {
  const worse = b - c.value;
  const relative = b !== 0 ? (c.value - b) / b : c.value === 0 ? 0 : Infinity;
  const runs = measured.length > 1 ? spread(measured.map((m) => m.value)) : null;
  const resolution = c.interval ? c.value - c.interval.low : null;
  const noise = runs === null && resolution === null ? null : Math.max(runs ?? 0, resolution ?? 0);
  const noiseFrom = runs !== null && runs >= (resolution ?? 0) ? 'baseline runs' : noise === null ? null : 'search step';
  return { ...row, relative, noise, noiseFrom, status: classify(worse, b !== 0 ? worse / b : worse > 0 ? Infinity : 0, tolerance, noise) };
}

/**
 * How far above the baseline the candidate may land by chance. Sampling noise: the upper half of the
 * baseline's 95% interval plus the lower half of the candidate's (the intervals overlap). With
 * several baseline runs, their spread usually exceeds it; with few runs it may not, so the larger counts.
 */
function noiseOf(baselines: Measurement[], candidate: Measurement): Pick<CompareRow, 'noise' | 'noiseFrom'> {
  const upperHalves = baselines.map((m) => (m.interval ? m.interval.high - m.value : null));
  const sampling = candidate.interval && !upperHalves.includes(null) ? Math.max(...(upperHalves as number[])) + (candidate.value - candidate.interval.low) : null;
  const runs = baselines.length > 1 ? spread(baselines.map((m) => m.value)) : null;
  if (runs !== null && (sampling === null || runs >= sampling)) return { noise: runs, noiseFrom: 'baseline runs' };
  return sampling === null ? { noise: null, noiseFrom: null } : { noise: sampling, noiseFrom: 'confidence intervals' };
}

function compareMetric(metric: ComparedMetric, baselines: LoadedRun[], candidate: LoadedRun, tolerance: number): CompareRow {
  const measured = baselines.flatMap((run) => metric.measure(run) ?? []);
  const c = metric.measure(candidate);
  const b = measured.length === 0 ? null : median(measured.map((m) => m.value));
  const row: CompareRow = { metric: metric.id, unit: metric.unit, baseline: b, candidate: c?.value ?? null, relative: null, noise: null, noiseFrom: null, status: 'no data' };
  if (b !== null && !c && metric.missingIsWorse) return { ...row, status: 'missing' };
  if (b === null || !c) return row;
  if (metric.higherIsBetter) return compareHigherIsBetter(row, measured, b, c, tolerance);
  const delta = c.value - b;
  const relative = b !== 0 ? delta / b : delta === 0 ? 0 : Math.sign(delta) * Infinity;
  const noise = noiseOf(measured, c);
  return { ...row, relative, ...noise, status: classify(delta, relative, tolerance, noise.noise) };
}

function fairnessWarnings(baselines: readonly Report[], candidate: Report): string[] {
  const warnings: string[] = [];
  const describe = (r: Report): string => `${r.scenario.name}, ${r.bots.planned} bots, ${(r.durationMs / 1000).toFixed(0)} s`;
  const differing = baselines.filter((b) => b.scenario.name !== candidate.scenario.name || b.bots.planned !== candidate.bots.planned);
  if (differing.length > 0) warnings.push(`baseline (${describe(differing[0]!)}) and candidate (${describe(candidate)}) ran different scenarios or fleet sizes`);
  const unsound = [...baselines, candidate].filter((r) => !r.complete || !r.harness.valid).length;
  if (unsound > 0) warnings.push(`${unsound} of the compared runs did not complete or were invalid (loader saturated)`);
  return warnings;
}

export function compareReports(baselines: readonly Report[], candidate: Report, options: CompareOptions): Comparison {
  if (baselines.length === 0) throw new RangeError('compare needs at least one baseline report');
  const metrics = selectMetrics(options.metrics, candidate.capacity != null);
  const base = baselines.map(loadedRun);
  const cand = loadedRun(candidate);
  const rows = metrics.map((m) => compareMetric(m, base, cand, options.tolerance));
  return {
    baselineRuns: baselines.length,
    tolerance: options.tolerance,
    rows,
    regressed: rows.some((r) => isRegression(r.status)),
    warnings: fairnessWarnings(baselines, candidate),
    charts: comparedRunCharts(baselines, candidate),
  };
}
