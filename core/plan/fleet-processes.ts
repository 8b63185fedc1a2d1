/**
 * How many fleet processes a plan's werift bots get when the user does not say (`--processes`): as
 * few as carry the load, never more than the machine's cores or the bots. Each process has costs of
 * its own whatever its bots (its send clock's 1,000 wake-ups a second, its event loop's timers, a
 * V8 heap), so fewer, fuller processes spend less per bot (measured: docs/running.md).
 */
import type { Scenario } from '../scenario/index.js';
import { peakJoinsPerSecond } from './capacity.js';
import type { BotPlan } from './plan-types.js';

export interface FleetProcessBudget {
  /** Voice bots one process carries. */
  botsPerProcess: number;
  /** A video bot counts as this many voice bots. */
  videoBotWeight: number;
  /** Peer connections a second one process sets up while its bots ramp up (ICE and DTLS on its event loop). */
  joinsPerProcessSecond: number;
}

export function fleetProcessCount(scenario: Scenario, bots: BotPlan[], cores: number, budget: FleetProcessBudget): number {
  const werift = bots.filter((bot) => bot.engine === 'werift');
  const weight = werift.reduce((n, bot) => n + (bot.video ? budget.videoBotWeight : 1), 0);
  const forMedia = Math.ceil(weight / budget.botsPerProcess);
  const forJoins = Math.ceil(peakJoinsPerSecond(scenario, werift) / budget.joinsPerProcessSecond);
  return Math.max(1, Math.min(Math.max(forMedia, forJoins), cores, werift.length));
}
