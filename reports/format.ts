/** Number formatting shared by the text writers (Markdown summary, console progress). */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return value < 10 ? `${value.toFixed(2)} ms` : value < 100 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '–';
  return `${(ratio * 100).toFixed(ratio < 0.001 && ratio > 0 ? 3 : 2)}%`;
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** A threshold's measured value in the metric's own unit. */
export function metricValue(metric: string, value: number | null): string {
  if (value === null) return 'no data';
  if (metric.endsWith('_ms')) return ms(value);
  if (metric.endsWith('_ratio')) return `${value.toPrecision(3)} (${percent(value)})`;
  return Number.isInteger(value) ? count(value) : value.toFixed(3);
}

/** A value in a compared metric's unit (percent: already in percent, e.g. server CPU). */
export function unitValue(unit: 'ms' | 'ratio' | 'percent' | 'bots', value: number | null): string {
  if (value === null) return '–';
  if (unit === 'bots') return `${count(Math.round(value))} bots`;
  if (unit === 'ms') return ms(value);
  if (unit === 'ratio') return percent(value);
  return `${value.toFixed(value < 1 ? 3 : 1)}%`;
}

/** A relative change: "+12.3%", "−4.0%", or "from 0" when the base was 0. */
export function relativeChange(relative: number | null): string {
  if (relative === null) return '–';
  if (!Number.isFinite(relative)) return relative > 0 ? 'from 0' : '–';
  return `${relative >= 0 ? '+' : '−'}${Math.abs(relative * 100).toFixed(1)}%`;
}
