/**
 * The plan against what happened, per group and second: bots due to have joined (planned join time
 * plus `joinGrace`) against bots that had, and packets the send schedule called for against packets
 * sent. A loader that falls behind its own plan has not put the planned load on the target.
 */
import type { MetricStore } from '../../core/metrics/store.js';
import type { RunPlan } from '../../core/plan/plan.js';
import type { HarnessLimits } from '../../core/scenario/index.js';
import type { GroupPlanProgress, PlanSecond } from '../report-types.js';
import { longestSpell, secondsText } from './spells.js';

/** Per group, in the plan's order. */
export type PlanProgress = Record<string, GroupPlanProgress>;

/** `fromSecond`: only the seconds from there on (live metrics judge the latest ones); totals are the whole run's. */
export function planProgress(plan: RunPlan, store: MetricStore, durationMs: number, joinGraceMs: number, fromSecond = 0): PlanProgress {
  const groups = [...new Set(plan.bots.map((b) => b.group))];
  const seconds = [...Array(Math.max(0, Math.ceil(durationMs / 1000) - fromSecond)).keys()].map((k) => k + fromSecond);
  const entries = groups.map((group): [string, GroupPlanProgress] => {
    const joinsDue = plan.bots.filter((b) => b.group === group).map((b) => b.joinAtMs + joinGraceMs);
    let joined = fromSecond > 0 ? store.counter('bots_joined', group, 0, fromSecond - 1) : 0;
    let worst: GroupPlanProgress['joinBacklogMax'] = null;
    const rows = seconds.map((t): PlanSecond => {
      joined += store.counter('bots_joined', group, t, t);
      const botsDue = joinsDue.filter((at) => at <= (t + 1) * 1000).length;
      const joinBacklog = Math.max(0, botsDue - joined);
      if (joinBacklog > (worst?.bots ?? 0)) worst = { t, bots: joinBacklog, due: botsDue };
      return { t, botsDue, botsJoined: joined, joinBacklog, packetsSent: store.counter('packets_sent', group, t, t), packetsSkipped: store.counter('packets_skipped', group, t, t) };
    });
    const packetsSent = store.counter('packets_sent', group);
    const packetsSkipped = store.counter('packets_skipped', group);
    const scheduled = packetsSent + packetsSkipped;
    return [group, { botsPlanned: joinsDue.length, joinBacklogMax: worst, packetsSent, packetsSkipped, sendDeficit: scheduled > 0 ? packetsSkipped / scheduled : null, seconds: rows }];
  });
  return Object.fromEntries(entries);
}

const percentText = (fraction: number): string => `${Math.round(fraction * 1000) / 10}%`;
const n = (x: number): string => x.toLocaleString('en-US');

function joinReason(group: string, progress: GroupPlanProgress, store: MetricStore, limits: HarnessLimits, needed: number, ended: boolean): string | null {
  const over = (row: PlanSecond): boolean => row.joinBacklog > 0 && row.joinBacklog > limits.maxJoinBacklog * row.botsDue;
  const byT = new Map(progress.seconds.map((row) => [row.t, row]));
  const spell = longestSpell([...byT.keys()], (t) => over(byT.get(t)!));
  const last = progress.seconds.at(-1);
  const endsBehind = ended && last !== undefined && over(last);
  if (spell.length < needed && !endsBehind) return null;
  // The worst second of the spell (or the last), with what became of its missing bots.
  const inSpell = spell.length >= needed ? progress.seconds.filter((row) => row.t >= spell.from && row.t < spell.from + spell.length) : [last!];
  const worst = inSpell.reduce((a, b) => (b.joinBacklog > a.joinBacklog ? b : a));
  const failed = store.counter('bots_failed', group, 0, worst.t);
  const split = `${n(Math.min(failed, worst.joinBacklog))} failed, ${n(Math.max(0, worst.joinBacklog - failed))} still joining`;
  const when = spell.length >= needed ? `over ${percentText(limits.maxJoinBacklog)} for ${secondsText(spell)}` : `over ${percentText(limits.maxJoinBacklog)} at the end of the run`;
  return `group ${group}: join backlog ${when} (${n(worst.joinBacklog)} of ${n(worst.botsDue)} bots due by t=${worst.t + 1}s had not joined: ${split})`;
}

function sendReason(group: string, progress: GroupPlanProgress, limits: HarnessLimits, needed: number): string | null {
  const deficit = (row: PlanSecond): number => (row.packetsSkipped === 0 ? 0 : row.packetsSkipped / (row.packetsSent + row.packetsSkipped));
  const byT = new Map(progress.seconds.map((row) => [row.t, row]));
  const spell = longestSpell([...byT.keys()], (t) => deficit(byT.get(t)!) > limits.maxSendDeficit);
  if (spell.length < needed) return null;
  const rows = progress.seconds.filter((row) => row.t >= spell.from && row.t < spell.from + spell.length);
  const skipped = rows.reduce((s, r) => s + r.packetsSkipped, 0);
  const scheduled = rows.reduce((s, r) => s + r.packetsSent + r.packetsSkipped, 0);
  return `group ${group}: send deficit over ${percentText(limits.maxSendDeficit)} for ${secondsText(spell)} (${n(skipped)} of ${n(scheduled)} scheduled packets skipped: its bots' process was late by more than a packet time)`;
}

/** `ended`: the run got to its end, so a backlog in its last second is final, not a spell that may yet pass. */
export function planReasons(progress: PlanProgress, store: MetricStore, limits: HarnessLimits, needed: number, ended: boolean): string[] {
  return Object.entries(progress).flatMap(([group, p]) => [joinReason(group, p, store, limits, needed, ended), sendReason(group, p, limits, needed)].filter((r): r is string => r !== null));
}
