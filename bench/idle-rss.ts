/**
 * Phase 2 of the bench (see run.ts): fleet-process memory per connected bot. Two runs, of half the
 * bots and of all of them; each one's RSS growth from before its first join to after its last, and
 * the difference of the two over the difference in bots: what one more bot costs, without what the
 * first joins of a fresh process cost once (code compiled, modules' first allocations).
 */
import { config, roomOf8 } from './config.js';
import { runFleet, type FleetRun, type JoinPhase } from './fleet-run.js';
import { progress } from './progress.js';

export interface IdleRss {
  /** Per bot, the first joins' one-off cost taken out. */
  rssPerBotMB: number;
  runs: Array<{ bots: number; connected: number; processes: number; rssBeforeMB: number; rssAfterMB: number; rssPerBotMB: number }>;
  joins: JoinPhase[];
}

export async function measureIdleRss(): Promise<IdleRss> {
  const half = Math.max(roomOf8, Math.floor(config.idleBots / 2 / roomOf8) * roomOf8);
  const sizes = half < config.idleBots ? [half, config.idleBots] : [config.idleBots];
  const runs: FleetRun[] = [];
  for (const bots of sizes) {
    progress(`idle RSS: ${bots} P.59 speakers in rooms of ${roomOf8}, in a run`);
    const run = await runFleet({ label: `idle-${bots}`, bots, roomSize: roomOf8, talk: 'p59', measureS: 0 });
    if (run.join.failed > 0) throw new Error(`bench: ${run.join.failed} of ${bots} bots of the idle run did not join`);
    if (!Number.isFinite(run.rssPerBotMB)) throw new Error("bench: the fleet processes' RSS could not be read from /proc");
    runs.push(run);
  }
  const growth = (run: FleetRun): number => run.rssAfterMB - run.rssBeforeMB;
  const [small, large] = [runs[0]!, runs.at(-1)!];
  const difference = runs.length > 1 ? (growth(large) - growth(small)) / (large.join.connected - small.join.connected) : Number.NaN;
  // A garbage collection between the runs can make the difference negative: then the large run's own
  // figure, first joins included, an upper bound.
  const rssPerBotMB = difference > 0 ? difference : large.rssPerBotMB;
  if (!(difference > 0) && runs.length > 1) progress(`idle RSS: the two runs' difference was ${difference.toFixed(2)} MB a bot; taking the ${large.join.connected}-bot run's ${rssPerBotMB.toFixed(2)} MB`);
  return {
    rssPerBotMB,
    runs: runs.map((r) => ({ bots: r.spec.bots, connected: r.join.connected, processes: r.processes, rssBeforeMB: r.rssBeforeMB, rssAfterMB: r.rssAfterMB, rssPerBotMB: r.rssPerBotMB })),
    joins: runs.map((r) => r.join),
  };
}
