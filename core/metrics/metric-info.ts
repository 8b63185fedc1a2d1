/** What the catalogue says of each metric. */
export type MetricKind = 'trend' | 'rate' | 'counter' | 'gauge';

export interface MetricInfo {
  kind: MetricKind;
  unit: 'ms' | 'ratio' | 'packets' | 'bots' | 'percent' | 'count' | 'MB';
  description: string;
  /** Only this engine produces the metric: with its groups skipped, thresholds on it are not evaluated. */
  engine?: string;
}
