/** What the catalogue says of each metric. */
export type MetricKind = 'trend' | 'rate' | 'counter' | 'gauge';

export interface MetricInfo {
  kind: MetricKind;
  /** `score`: a mean opinion score (1-5). */
  unit: 'ms' | 'ratio' | 'packets' | 'bots' | 'percent' | 'count' | 'MB' | 'score';
  description: string;
  /** Only these engines produce the metric: with their groups skipped, thresholds on it are not evaluated. */
  engines?: readonly string[];
}
