/**
 * With a target rtcstorm runs on this machine (the bundled cluster, a launched Janus) the loader
 * (fleet processes and browsers) and the SFU share the machine's
 * cores. When the two together stay over `maxMachineCpuPercent` of all of them, each waits for the
 * other's CPU: the latency and loss measured are the machine's, not the target's, however light
 * each side looks on its own.
 */
import type { MetricStore } from '../../core/metrics/store.js';
import type { HarnessLimits } from '../../core/scenario/index.js';
import type { SharedMachine } from '../report-types.js';
import { maxIn, unsampledIn } from './loader.js';
import { longestSpell, type Spell } from './spells.js';

export type { SharedMachine } from '../report-types.js';

/** Fleet processes, browsers and target nodes together, per second, as a percent of all the machine's cores. */
function machinePercent(store: MetricStore, machine: SharedMachine, seconds: number[]): Map<number, number> {
  const byT = new Map<number, number>(seconds.map((t) => [t, 0]));
  const add = (t: number, percent: number): void => void (byT.has(t) && byT.set(t, (byT.get(t) ?? 0) + percent));
  for (const process of store.groups('harness_cpu_percent')) for (const t of seconds) add(t, maxIn(store, 'harness_cpu_percent', process, t));
  // Each open page records its share of its browser's CPU: a second's shares add up to the browsers'.
  for (const group of store.groups('browser_cpu_percent')) {
    for (const t of seconds) {
      const shares = store.histogram('browser_cpu_percent', group, t, t);
      if (shares.count > 0) add(t, shares.mean * shares.count);
    }
  }
  for (const node of machine.target) {
    // A node's point is its CPU since its previous one: a second whose stats request went
    // unanswered (a saturated machine answers late) shares the next point rather than counting 0.
    let previousT: number | undefined;
    for (const point of [...node.points].sort((a, b) => a.t - b.t)) {
      for (let t = previousT === undefined ? point.t : previousT + 1; t <= point.t; t++) add(t, point.cpuPercent);
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
  const median = percents[Math.floor((percents.length - 1) / 2)];
  const max = percents.at(-1);
  return median === undefined || max === undefined ? null : { cores: machine.cores, cpuPercentMedian: median, cpuPercentMax: max };
}

/** The latest second `process` has a sample of `metric` for; NaN without one. */
function latestSample(store: MetricStore, metric: 'harness_cpu_percent', process: string): number {
  const seconds = store.seconds();
  for (let i = seconds.length - 1; i >= 0; i--) {
    const t = seconds[i];
    if (t !== undefined && store.histogram(metric, process, t, t).count > 0) return t;
  }
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
  return Number.isInteger(t) ? (machinePercent(store, machine, [t]).get(t) ?? null) : null;
}

/** The whole machine's busy share in second t (every process, rtcstorm's or not); undefined without a sample. */
function busyIn(store: MetricStore, t: number): number | undefined {
  const h = store.histogram('machine_cpu_percent', 'machine', t, t);
  return h.count > 0 ? h.max : undefined;
}

/**
 * Seconds whose sum lacks a part: a process whose CPU it adds (a fleet process; the run process,
 * which also takes the machine's and the browsers' samples) was counted missing and sent nothing of
 * it later. Starved, not idle: such a second counts as saturated. A process that never sent a
 * sample at all is the loader check's (every second of it missing).
 */
function starvedSeconds(store: MetricStore, seconds: number[]): Set<number> {
  const processes = store.groups('harness_cpu_percent');
  return new Set(seconds.filter((t) => processes.some((process) => unsampledIn(store, process, t))));
}

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
}

/** The spell, its average over the seconds measured (`value` defined), rtcstorm's share of it (`own`), and what the other seconds lacked. */
function spellText(inSpell: number[], spell: Spell, value: (t: number) => number | undefined, unmeasured: string, own?: (t: number) => number): string {
  const measured = inSpell.filter((t) => value(t) !== undefined);
  const starved = inSpell.length - measured.length;
  const parts = [`${spell.length} s from t=${spell.from}s`];
  if (measured.length > 0) parts.push(`${Math.round(mean(measured.map((t) => value(t) ?? 0)))}% on average${starved > 0 ? ` in the ${measured.length} s measured` : ''}`);
  if (measured.length > 0 && own) parts.push(`rtcstorm's own processes ${Math.round(mean(measured.map(own)))}% of them`);
  if (starved > 0) parts.push(`${measured.length > 0 ? `the other ${starved} s` : 'every second'} without samples: ${unmeasured}`);
  return parts.join(', ');
}

function secondsOfSpell(seconds: number[], spell: Spell): number[] {
  return seconds.filter((t) => t >= spell.from && t < spell.from + spell.length);
}

const coresText = (cores: number): string => (cores === 1 ? 'one core' : `${cores} cores`);

export function machineReasons(store: MetricStore, limits: HarnessLimits, machine: SharedMachine | null, seconds: number[], needed: number): string[] {
  if (!machine) return [];
  const ours = machinePercent(store, machine, seconds);
  const oursOf = (t: number): number => ours.get(t) ?? 0;
  const starved = starvedSeconds(store, seconds);
  const limit = limits.maxMachineCpuPercent;
  if (machine.target.length > 0) {
    const spell = longestSpell(seconds, (t) => starved.has(t) || oursOf(t) > limit);
    if (spell.length >= needed) {
      const text = spellText(secondsOfSpell(seconds, spell), spell, (t) => (starved.has(t) ? undefined : oursOf(t)), 'a harness process too starved to send them');
      return [
        `machine saturated (fleet and target over ${limit}% of the machine's ${coresText(machine.cores)} for ${text}): ` +
          "each waited for the other, so latency and loss are not the target's alone; lower the load, or run the target on other machines (target.url)",
      ];
    }
  }
  // Other processes on the machine take cores from the loader (and a local target) as surely as rtcstorm's own do.
  // The run process samples the machine with its own health: a second it missed has no machine sample either.
  const sampled = store.groups('machine_cpu_percent').length > 0;
  const busyOrStarved = (t: number): boolean => {
    const busy = busyIn(store, t);
    return busy === undefined ? sampled && starved.has(t) : busy > limit;
  };
  const spell = longestSpell(seconds, busyOrStarved);
  if (spell.length < needed) return [];
  const inSpell = secondsOfSpell(seconds, spell);
  const text = spellText(inSpell, spell, (t) => busyIn(store, t), 'the run process, which takes them, was stalled', oursOf);
  const tail = inSpell.some((t) => busyIn(store, t) !== undefined)
    ? "other processes took the rest, so latency and loss are not the target's alone; run on a machine of its own"
    : "latency and loss are not the target's alone; lower the load, or run on a machine of its own";
  return [`machine saturated (its ${coresText(machine.cores)} over ${limit}% busy for ${text}): ${tail}`];
}
