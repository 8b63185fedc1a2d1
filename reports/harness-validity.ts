/**
 * Whether the loader kept up. A fleet process whose event-loop lag p99 or CPU stayed over the
 * scenario's limits for `sustainedFor` seconds in a row makes the run invalid: what it measured
 * is partly its own delay, and must never be read as the target's fault.
 */
import type { MetricStore } from '../core/metrics/store.js';
import type { HarnessLimits } from '../core/scenario/index.js';

export interface HarnessValidity { valid: boolean; invalidReason: string | null }

/** The longest run of consecutive seconds for which `over(t)` holds, and where it started. */
function longestRun(seconds: number[], over: (t: number) => boolean): { length: number; from: number } {
  let best = { length: 0, from: 0 };
  let current = { length: 0, from: 0 };
  let previous = Number.NaN;
  for (const t of seconds) {
    if (!over(t)) {
      current = { length: 0, from: t };
    } else {
      current = t === previous + 1 && current.length > 0 ? { length: current.length + 1, from: current.from } : { length: 1, from: t };
      if (current.length > best.length) best = current;
    }
    previous = t;
  }
  return best;
}

export function harnessValidity(store: MetricStore, limits: HarnessLimits): HarnessValidity {
  const seconds = store.seconds();
  const needed = Math.max(1, Math.ceil(limits.sustainedForMs / 1000));
  const reasons: string[] = [];
  for (const process of store.groups('event_loop_lag_ms')) {
    const lag = (t: number): number => {
      const h = store.histogram('event_loop_lag_ms', process, t, t);
      return h.count > 0 ? h.max : 0;
    };
    const cpu = (t: number): number => {
      const h = store.histogram('harness_cpu_percent', process, t, t);
      return h.count > 0 ? h.max : 0;
    };
    const lagRun = longestRun(seconds, (t) => lag(t) > limits.maxEventLoopLagMs);
    const cpuRun = longestRun(seconds, (t) => cpu(t) > limits.maxCpuPercent);
    if (lagRun.length >= needed) reasons.push(`${process}: event-loop lag p99 over ${limits.maxEventLoopLagMs} ms for ${lagRun.length} s from t=${lagRun.from}s`);
    if (cpuRun.length >= needed) reasons.push(`${process}: CPU over ${limits.maxCpuPercent}% of a core for ${cpuRun.length} s from t=${cpuRun.from}s`);
  }
  return reasons.length === 0 ? { valid: true, invalidReason: null } : { valid: false, invalidReason: `loader saturated (${reasons.join('; ')}): add fleet processes or machines, or lower the load` };
}
