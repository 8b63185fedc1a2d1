/**
 * Whether the loader kept up. A fleet process whose event-loop lag p99 or CPU stayed over the
 * scenario's limits for `sustainedFor` seconds in a row makes the run invalid: what it measured
 * is partly its own delay, and must never be read as the target's fault.
 *
 * With the bundled target the loader (fleet processes and browsers) and the SFU share the machine's
 * cores. When the two together stay over `maxMachineCpuPercent` of all of them, each waits for the
 * other's CPU: the latency and loss measured are the machine's, not the target's, however light
 * each side looks on its own.
 */
import type { MetricStore } from '../core/metrics/store.js';
import type { HarnessLimits } from '../core/scenario/index.js';
import type { ServerNodeSeries } from './report-types.js';

export interface HarnessValidity { valid: boolean; invalidReason: string | null }

/** The machine a run with the bundled target ran on: its cores, and the target's CPU per second. */
export interface SharedMachine { cores: number; target: ServerNodeSeries[] }

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

/** The highest sample of `metric` from `process` in second t; 0 without one. */
function maxIn(store: MetricStore, metric: 'event_loop_lag_ms' | 'harness_cpu_percent', process: string, t: number): number {
  const h = store.histogram(metric, process, t, t);
  return h.count > 0 ? h.max : 0;
}

function loaderReasons(store: MetricStore, limits: HarnessLimits, seconds: number[], needed: number): string[] {
  const reasons: string[] = [];
  for (const process of store.groups('event_loop_lag_ms')) {
    const lagRun = longestRun(seconds, (t) => maxIn(store, 'event_loop_lag_ms', process, t) > limits.maxEventLoopLagMs);
    const cpuRun = longestRun(seconds, (t) => maxIn(store, 'harness_cpu_percent', process, t) > limits.maxCpuPercent);
    if (lagRun.length >= needed) reasons.push(`${process}: event-loop lag p99 over ${limits.maxEventLoopLagMs} ms for ${lagRun.length} s from t=${lagRun.from}s`);
    if (cpuRun.length >= needed) reasons.push(`${process}: CPU over ${limits.maxCpuPercent}% of a core for ${cpuRun.length} s from t=${cpuRun.from}s`);
  }
  return reasons;
}

/** Fleet processes, browsers and target nodes together, per second, as a percent of all the machine's cores. */
function machinePercent(store: MetricStore, machine: SharedMachine, seconds: number[]): Map<number, number> {
  const byT = new Map<number, number>(seconds.map((t) => [t, 0]));
  for (const process of store.groups('harness_cpu_percent')) for (const t of seconds) byT.set(t, byT.get(t)! + maxIn(store, 'harness_cpu_percent', process, t));
  // Each open page records its share of its browser's CPU: a second's shares add up to the browsers'.
  for (const group of store.groups('browser_cpu_percent')) {
    for (const t of seconds) {
      const shares = store.histogram('browser_cpu_percent', group, t, t);
      if (shares.count > 0) byT.set(t, byT.get(t)! + shares.mean * shares.count);
    }
  }
  for (const node of machine.target) {
    // A node's point is its CPU since its previous one: a second whose stats request went
    // unanswered (a saturated machine answers late) shares the next point rather than counting 0.
    let previousT: number | undefined;
    for (const point of [...node.points].sort((a, b) => a.t - b.t)) {
      for (let t = previousT === undefined ? point.t : previousT + 1; t <= point.t; t++) if (byT.has(t)) byT.set(t, byT.get(t)! + point.cpuPercent);
      previousT = point.t;
    }
  }
  for (const [t, percent] of byT) byT.set(t, percent / machine.cores);
  return byT;
}

/** The machine's load over the run, per second: what the report's `harness.machine` gives. */
export function machineLoad(store: MetricStore, machine: SharedMachine): { cores: number; cpuPercentMedian: number; cpuPercentMax: number } | null {
  if (machine.target.length === 0) return null;
  const percents = [...machinePercent(store, machine, store.seconds()).values()].sort((a, b) => a - b);
  if (percents.length === 0) return null;
  return { cores: machine.cores, cpuPercentMedian: percents[Math.floor((percents.length - 1) / 2)]!, cpuPercentMax: percents.at(-1)! };
}

/** The latest second `process` has a sample of `metric` for; NaN without one. */
function latestSample(store: MetricStore, metric: 'harness_cpu_percent', process: string): number {
  const seconds = store.seconds();
  for (let i = seconds.length - 1; i >= 0; i--) if (store.histogram(metric, process, seconds[i], seconds[i]).count > 0) return seconds[i]!;
  return Number.NaN;
}

/**
 * The machine's load in the latest second every target node and every fleet process has reported:
 * fleet processes ship their samples a moment after the second, the target's come from polling.
 * Null before that.
 */
export function latestMachinePercent(store: MetricStore, machine: SharedMachine): number | null {
  if (machine.target.length === 0) return null;
  const t = Math.min(
    ...machine.target.map((node) => node.points.at(-1)?.t ?? Number.NaN),
    ...store.groups('harness_cpu_percent').map((process) => latestSample(store, 'harness_cpu_percent', process)),
  );
  return Number.isInteger(t) ? machinePercent(store, machine, [t]).get(t)! : null;
}

export function harnessValidity(store: MetricStore, limits: HarnessLimits, machine: SharedMachine | null): HarnessValidity {
  const seconds = store.seconds();
  const needed = Math.max(1, Math.ceil(limits.sustainedForMs / 1000));
  const reasons: string[] = [];
  const loader = loaderReasons(store, limits, seconds, needed);
  if (loader.length > 0) reasons.push(`loader saturated (${loader.join('; ')}): add fleet processes or machines, or lower the load`);
  if (machine && machine.target.length > 0) {
    const percent = machinePercent(store, machine, seconds);
    const run = longestRun(seconds, (t) => percent.get(t)! > limits.maxMachineCpuPercent);
    if (run.length >= needed) {
      let sum = 0;
      for (let t = run.from; t < run.from + run.length; t++) sum += percent.get(t)!;
      reasons.push(
        `machine saturated (fleet and bundled target over ${limits.maxMachineCpuPercent}% of the machine's ${machine.cores === 1 ? 'one core' : `${machine.cores} cores`} for ${run.length} s from t=${run.from}s, ${Math.round(sum / run.length)}% on average): ` +
          'each waited for the other, so latency and loss are not the target\'s alone; lower the load, or run the target on other machines (target.url)',
      );
    }
  }
  return reasons.length === 0 ? { valid: true, invalidReason: null } : { valid: false, invalidReason: reasons.join('; ') };
}
