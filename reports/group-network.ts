/** The report's `groups.<name>.network`: a werift group's configured impairment next to what its bots measured. */
import { lossRatio } from '../core/metrics/aggregate.js';
import { Histogram } from '../core/metrics/histogram.js';
import type { MetricStore } from '../core/metrics/store.js';
import type { NetworkPlan } from '../core/plan/network-plan.js';
import type { RunPlan } from '../core/plan/plan.js';
import type { Direction } from '../core/scenario/index.js';
import type { GroupNetwork } from './report-types.js';

function configured(plan: NetworkPlan, botIds: number[], direction: Direction): GroupNetwork['configured'][Direction] {
  const bots = new Map<string, number>();
  for (const id of botIds) {
    const profile = plan.bots.get(id)?.[direction];
    if (profile) bots.set(profile, (bots.get(profile) ?? 0) + 1);
  }
  return [...bots].map(([profile, n]) => ({ profile, bots: n }));
}

/** By werift group name; empty when the scenario leaves the network alone. `runPlan`: the whole run's, as the network was assigned over it. */
export function groupNetworks(store: MetricStore, runPlan: RunPlan, plan: NetworkPlan | null): Map<string, GroupNetwork> {
  if (!plan) return new Map();
  const members = new Map<string, number[]>();
  for (const bot of runPlan.bots) if (bot.engine === 'werift') members.set(bot.group, [...(members.get(bot.group) ?? []), bot.id]);
  const unimpaired = [...members].filter(([, ids]) => ids.every((id) => Object.keys(plan.bots.get(id) ?? {}).length === 0)).map(([group]) => group);
  const baseline = Histogram.forMetric('e2e_latency_ms');
  for (const group of unimpaired) baseline.merge(store.histogram('e2e_latency_ms', group));
  return new Map(
    [...members].map(([group, ids]) => {
      const latency = store.histogram('e2e_latency_ms', group);
      const added = baseline.count > 0 && latency.count > 0 ? latency.percentile(50) - baseline.percentile(50) : null;
      return [group, { configured: { up: configured(plan, ids, 'up'), down: configured(plan, ids, 'down') }, measured: { lossRatio: lossRatio(store, group) ?? null, latencyAddedP50Ms: added } }];
    }),
  );
}
