/** The report's `groups.<name>.network`: a werift group's configured impairment next to what its bots measured. */
import { lossRatio } from '../core/metrics/aggregate.js';
import { Histogram } from '../core/metrics/histogram.js';
import type { MetricStore } from '../core/metrics/store.js';
import type { NetworkPlan } from '../core/plan/network-plan.js';
import type { RunPlan } from '../core/plan/plan.js';
import type { ChaosStep } from '../core/scenario/index.js';
import { directionsOf, isTraced, type Direction, type ImpairmentProfile, type LossModel, type NetworkTrace } from '../core/scenario/network-types.js';
import { traceAt } from '../core/scenario/trace-timing.js';
import type { GroupNetwork } from './report-types.js';

type GroupTrace = NonNullable<GroupNetwork['traces']>[number];
type TraceSecond = GroupTrace['series'][number];

/** What the report needs of the run beyond the stores and plans: the impair steps' times, and the run's length. */
export interface NetworkRunFacts {
  chaos: readonly ChaosStep[];
  durationMs: number;
}

function configured(plan: NetworkPlan, botIds: number[], direction: Direction): GroupNetwork['configured'][Direction] {
  const bots = new Map<string, number>();
  for (const id of botIds) {
    const profile = plan.bots.get(id)?.[direction];
    if (profile) bots.set(profile, (bots.get(profile) ?? 0) + 1);
  }
  return [...bots].map(([profile, n]) => ({ profile, bots: n }));
}

/** The loss a model drops in the long run: a Gilbert-Elliott chain's stationary mix of its two states (in the good state when it never leaves it). */
export function configuredLoss(loss: LossModel | null): number {
  if (!loss) return 0;
  if (loss.kind === 'random') return loss.ratio;
  const { p, r, lossInBad, lossInGood } = loss;
  if (p + r === 0) return lossInGood;
  return (p / (p + r)) * lossInBad + (r / (p + r)) * lossInGood;
}

const unimpaired = (t: number): TraceSecond => ({ t, lossRatio: 0, delayMs: 0, jitterMs: 0, rateKbps: null });

function second(t: number, profile: ImpairmentProfile | null): TraceSecond {
  if (!profile) return unimpaired(t);
  return {
    t,
    lossRatio: profile.blackhole ? 1 : Math.min(1, Math.max(0, configuredLoss(profile.loss))),
    delayMs: profile.delayMs,
    jitterMs: profile.jitter?.ms ?? 0,
    rateKbps: profile.rate?.kbps ?? null,
  };
}

/**
 * The trace's configured impairment at the middle of each second of the run (run time, as the
 * relay times it); outside `window` (an impair step's [at, at + for), in ms), none.
 */
export function traceSeries(trace: NetworkTrace, durationMs: number, window: { fromMs: number; untilMs: number } = { fromMs: 0, untilMs: Number.POSITIVE_INFINITY }): TraceSecond[] {
  return [...Array(Math.ceil(durationMs / 1000)).keys()].map((t) => {
    const atMs = t * 1000 + 500;
    return atMs >= window.fromMs && atMs < window.untilMs ? second(t, traceAt(trace, atMs).profile) : unimpaired(t);
  });
}

/** Every trace profile of the group's bots: assigned per direction, then each impair step's on the bots it picked. */
function groupTraces(plan: NetworkPlan, botIds: number[], run: NetworkRunFacts): GroupTrace[] {
  const traces: GroupTrace[] = [];
  for (const direction of ['up', 'down'] as const) {
    for (const { profile, bots } of configured(plan, botIds, direction)) {
      const spec = plan.spec.profiles[profile];
      if (spec && isTraced(spec)) traces.push({ profile, direction, bots, series: traceSeries(spec.trace, run.durationMs) });
    }
  }
  const members = new Set(botIds);
  for (const [index, picked] of [...plan.impairs].sort(([a], [b]) => a - b)) {
    const step = run.chaos[index];
    if (step?.action !== 'impair') continue;
    const spec = plan.spec.profiles[step.profile];
    const bots = picked.filter((id) => members.has(id)).length;
    if (!spec || !isTraced(spec) || bots === 0) continue;
    const window = { fromMs: step.atMs, untilMs: step.forMs === null ? Number.POSITIVE_INFINITY : step.atMs + step.forMs };
    const series = traceSeries(spec.trace, run.durationMs, window);
    for (const direction of directionsOf(step.direction)) traces.push({ profile: step.profile, direction, bots, step: index, series });
  }
  return traces;
}

/** By werift group name; empty when the scenario leaves the network alone. `runPlan`: the whole run's, as the network was assigned over it. */
export function groupNetworks(store: MetricStore, runPlan: RunPlan, plan: NetworkPlan | null, run: NetworkRunFacts): Map<string, GroupNetwork> {
  if (!plan) return new Map();
  const members = new Map<string, number[]>();
  for (const bot of runPlan.bots) if (bot.engine === 'werift') members.set(bot.group, [...(members.get(bot.group) ?? []), bot.id]);
  const unimpairedGroups = [...members].filter(([, ids]) => ids.every((id) => Object.keys(plan.bots.get(id) ?? {}).length === 0)).map(([group]) => group);
  const baseline = Histogram.forMetric('e2e_latency_ms');
  for (const group of unimpairedGroups) baseline.merge(store.histogram('e2e_latency_ms', group));
  return new Map(
    [...members].map(([group, ids]) => {
      const latency = store.histogram('e2e_latency_ms', group);
      const added = baseline.count > 0 && latency.count > 0 ? latency.percentile(50) - baseline.percentile(50) : null;
      const traces = groupTraces(plan, ids, run);
      const network: GroupNetwork = {
        configured: { up: configured(plan, ids, 'up'), down: configured(plan, ids, 'down') },
        measured: { lossRatio: lossRatio(store, group) ?? null, latencyAddedP50Ms: added },
        ...(traces.length > 0 ? { traces } : {}),
      };
      return [group, network];
    }),
  );
}
