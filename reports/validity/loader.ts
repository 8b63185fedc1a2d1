/**
 * Whether each harness process kept up, second by second: its own event-loop lag and CPU, and the
 * seconds whose samples never reached the run in time. A starved process cannot report its own
 * lag, so a second without its samples is not a healthy one.
 */
import type { MetricStore } from '../../core/metrics/store.js';
import type { HarnessLimits } from '../../core/scenario/index.js';
import { longestSpell, secondsText } from './spells.js';

/** The highest sample of `metric` from `process` in second t; 0 without one. */
export function maxIn(store: MetricStore, metric: 'event_loop_lag_ms' | 'harness_cpu_percent' | 'harness_report_delay_ms', process: string, t: number): number {
  const h = store.histogram(metric, process, t, t);
  return h.count > 0 ? h.max : 0;
}

/** Whether `process` was counted missing in second t and none of its samples of t came later: what it would have added is unknown. */
export function unsampledIn(store: MetricStore, process: string, t: number): boolean {
  return store.counter('harness_seconds_missing', process, t, t) > 0 && store.histogram('harness_cpu_percent', process, t, t).count === 0;
}

/** Every harness process the store has heard of, by any of its health metrics. */
export function harnessProcesses(store: MetricStore): string[] {
  const all = new Set([...store.groups('event_loop_lag_ms'), ...store.groups('harness_cpu_percent'), ...store.groups('harness_seconds_missing'), ...store.groups('harness_report_delay_ms')]);
  return [...all].sort();
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** What made the seconds of a spell unhealthy, each cause with the number of its seconds. */
function causes(counts: { lag: number; missing: number }, limitMs: number): string {
  const parts = [
    counts.missing > 0 ? `its samples missing in ${plural(counts.missing, 'second')}` : '',
    counts.lag > 0 ? `event-loop lag p99 over ${limitMs} ms in ${plural(counts.lag, 'second')}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/**
 * A second is unhealthy for a process when its own lag p99 was over the limit, or when its
 * samples of the second did not reach the run in time (counted by the run: a starved process
 * cannot report itself). How late samples arrived is reported, not judged: it also holds the run
 * process's own delays, and a browser's getStats() time.
 */
export function loaderReasons(store: MetricStore, limits: HarnessLimits, seconds: number[], needed: number): string[] {
  const reasons: string[] = [];
  const limitMs = limits.maxEventLoopLagMs;
  for (const process of harnessProcesses(store)) {
    const lagging = (t: number): boolean => maxIn(store, 'event_loop_lag_ms', process, t) > limitMs;
    const missing = (t: number): boolean => store.counter('harness_seconds_missing', process, t, t) > 0;
    const spell = longestSpell(seconds, (t) => lagging(t) || missing(t));
    if (spell.length >= needed) {
      const inSpell = seconds.filter((t) => t >= spell.from && t < spell.from + spell.length);
      const counts = { lag: inSpell.filter(lagging).length, missing: inSpell.filter(missing).length };
      reasons.push(
        counts.missing === 0
          ? `${process}: event-loop lag p99 over ${limitMs} ms for ${secondsText(spell)}`
          : `${process}: not keeping up for ${secondsText(spell)} (${causes(counts, limitMs)})`,
      );
    }
    const cpu = longestSpell(seconds, (t) => maxIn(store, 'harness_cpu_percent', process, t) > limits.maxCpuPercent);
    if (cpu.length >= needed) reasons.push(`${process}: CPU over ${limits.maxCpuPercent}% of a core for ${secondsText(cpu)}`);
  }
  return reasons;
}
