/**
 * Which participants the client steps of `chaos:` act on: the werift bots and browsers each
 * `reconnect` drops, and each `churn` step's schedule of leaves and rejoins. A pure function of the
 * scenario and its seed, made over the whole plan (not a shard of it), so every process and every
 * shard agrees; each engine then acts on the participants it hosts.
 */
import type { BotSelector } from '../scenario/network-types.js';
import type { Scenario } from '../scenario/index.js';
import { makePlan, type BotPlan, type RunPlan } from './plan.js';
import { seededRandom, shuffled } from './random.js';

/** One participant leaving at `atMs` (run time) and joining again at `rejoinAtMs`. */
export interface ChurnLeave { atMs: number; botId: number; rejoinAtMs: number }

export interface ClientPlan {
  /** The participants each reconnect step drops, ascending, by the step's index in `chaos`. */
  reconnects: Map<number, number[]>;
  /** Each churn step's leaves in time order, by the step's index in `chaos`. */
  churns: Map<number, ChurnLeave[]>;
}

// Streams of their own: adding a client step changes no join order, seat or network pick.
const clientSalt = 0x3c1e_7a55;

/**
 * A participant is picked to leave again only this long after it was due back: its rejoin takes
 * time (a few hundred ms, more in a storm), and a leave that finds it still joining would not happen.
 */
export const rejoinGraceMs = 1000;

/** The participants a selector picks: a share takes the first of `order`. */
function pick(selector: BotSelector, seated: readonly BotPlan[], order: readonly number[]): number[] {
  switch (selector.kind) {
    case 'group':
      return seated.filter((bot) => bot.group === selector.name).map((bot) => bot.id);
    case 'rooms':
      return seated.filter((bot) => selector.rooms.includes(bot.room)).map((bot) => bot.id);
    case 'share':
      return order.slice(0, Math.round(selector.ratio * seated.length));
  }
}

/**
 * Leaves every 1000 / `ratePerS` ms from the step's start while the period lasts, each a seeded
 * pick among the selected participants due to have joined by then and not away (a participant
 * leaves again only `rejoinGraceMs` after it was due back). A moment when every one of them is
 * away has no leave.
 */
function churnSchedule(step: { atMs: number; forMs: number; ratePerS: number; awayMs: number }, selected: readonly BotPlan[], random: () => number): ChurnLeave[] {
  const intervalMs = 1000 / step.ratePerS;
  const count = Math.ceil((step.forMs * step.ratePerS) / 1000 - 1e-9);
  const backAt = new Map<number, number>();
  const leaves: ChurnLeave[] = [];
  for (let k = 0; k < count; k++) {
    const atMs = Math.round(step.atMs + k * intervalMs);
    const candidates = selected.filter((bot) => bot.joinAtMs <= atMs && (backAt.get(bot.id) ?? -Infinity) + rejoinGraceMs <= atMs);
    // One draw per moment, whether or not anyone is free: a later leave does not depend on an earlier one's candidates.
    const draw = random();
    const bot = candidates[Math.floor(draw * candidates.length)];
    if (!bot) continue;
    const rejoinAtMs = atMs + step.awayMs;
    backAt.set(bot.id, rejoinAtMs);
    leaves.push({ atMs, botId: bot.id, rejoinAtMs });
  }
  return leaves;
}

/** `plan`: the whole run's. Scenarios without client steps get empty maps. */
export function planClients(scenario: Scenario, plan: RunPlan = makePlan(scenario)): ClientPlan {
  const reconnects = new Map<number, number[]>();
  const churns = new Map<number, ChurnLeave[]>();
  // k6 members are not in the plan: every planned participant is a werift bot or a browser.
  const seated = plan.bots;
  scenario.chaos.forEach((step, index) => {
    if (step.action !== 'reconnect' && step.action !== 'churn') return;
    // Each step its own stream: editing one step does not change whom another picks.
    const random = seededRandom((scenario.seed ^ clientSalt) + index * 7919);
    const order = shuffled(seated.map((bot) => bot.id), random);
    const ids = pick(step.bots, seated, order);
    if (step.action === 'reconnect') {
      reconnects.set(index, [...ids].sort((a, b) => a - b));
      return;
    }
    const chosen = new Set(ids);
    churns.set(index, churnSchedule(step, seated.filter((bot) => chosen.has(bot.id)), random));
  });
  return { reconnects, churns };
}
