/**
 * A run that measured no load says nothing about the target, whatever its thresholds say: no bot
 * joined, a group heard no media though its rooms had speakers, a k6 group measured nothing, or
 * every group was skipped.
 */
import type { MetricStore } from '../../core/metrics/store.js';
import type { RunPlan } from '../../core/plan/plan.js';
import type { FleetGroup } from '../../core/scenario/index.js';

export interface LoadFacts {
  plan: RunPlan;
  fleet: FleetGroup[];
  store: MetricStore;
  /** Groups the run could not start (k6 not installed). */
  skipped: Array<{ group: string }>;
}

/** Groups whose bots share a room with a speaker other than themselves: they are meant to receive media. */
function groupsMeantToHear(plan: RunPlan): Set<string> {
  const speakersByRoom = new Map<number, number[]>();
  for (const bot of plan.bots) if (bot.role === 'speaker') speakersByRoom.set(bot.room, [...(speakersByRoom.get(bot.room) ?? []), bot.id]);
  const hearing = new Set<string>();
  for (const bot of plan.bots) if ((speakersByRoom.get(bot.room) ?? []).some((id) => id !== bot.id)) hearing.add(bot.group);
  return hearing;
}

export function noLoadReasons({ plan, fleet, store, skipped }: LoadFacts): string[] {
  const skippedGroups = new Set(skipped.map((s) => s.group));
  if (fleet.length > 0 && fleet.every((g) => skippedGroups.has(g.name))) return ['no load: every fleet group was skipped, so nothing ran'];
  const reasons: string[] = [];
  const planned = plan.bots.length;
  const joined = store.counter('bots_joined');
  if (planned > 0 && joined === 0) {
    const failed = store.counter('bots_failed');
    reasons.push(`no load: none of the ${planned.toLocaleString('en-US')} planned bots joined${failed > 0 ? ` (${failed.toLocaleString('en-US')} failed to join; see the bot-failed events)` : ''}`);
  } else {
    for (const group of groupsMeantToHear(plan)) {
      if (store.counter('bots_joined', group) > 0 && store.counter('packets_received', group) === 0) reasons.push(`no load: group ${group} joined but received no media, though its rooms had speakers`);
    }
  }
  for (const group of fleet) {
    if (group.engine !== 'k6' || skippedGroups.has(group.name)) continue;
    if (store.histogram('signalling_rtt_ms', group.name).count === 0 && store.counter('k6_checks_total', group.name) === 0) reasons.push(`no load: k6 group ${group.name} measured no signalling request`);
  }
  return reasons;
}
