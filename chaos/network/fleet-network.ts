/** How a fleet process's bots reach the target, as the run hands it over at start. */
import type { MediaRoute } from '../../bots/media-route.js';
import type { NetworkPlan } from '../../core/plan/network-plan.js';
import type { BotPlan } from '../../core/plan/plan.js';
import { gatewayRoute } from './kernel/gateway-route.js';
import type { NetworkChange } from './network-change.js';
import type { DirectionProfiles } from './profile-stack.js';
import { ImpairmentRelay } from './relay.js';

export type FleetNetwork =
  /** These bots' media goes through the process's relay, impaired with their assigned profiles. */
  | { backend: 'userspace'; seed: number; bots: Array<{ id: number; profiles: DirectionProfiles }> }
  /** The process runs in a network namespace: the target's loopback addresses are reached at `gateway`. */
  | { backend: 'kernel'; gateway: string };

/** The relayed bots among `bots`, with their assigned profiles resolved by name. */
export function userspaceNetwork(plan: NetworkPlan, bots: readonly BotPlan[], seed: number): FleetNetwork {
  const relayed = bots.flatMap((bot) => {
    const assigned = plan.bots.get(bot.id);
    if (!assigned) return [];
    const profiles: DirectionProfiles = Object.fromEntries(Object.entries(assigned).map(([direction, name]) => [direction, plan.spec.profiles[name]]));
    return [{ id: bot.id, profiles }];
  });
  return { backend: 'userspace', seed, bots: relayed };
}

export interface FleetRoutes {
  /** undefined: the bot goes straight to the target. */
  route(botId: number): MediaRoute | undefined;
  apply(change: NetworkChange): void;
  close(): void;
}

export function fleetRoutes(network: FleetNetwork | undefined): FleetRoutes {
  if (network?.backend === 'kernel') {
    // The kernel backend changes its rules from the run process; nothing to do here per change.
    const route = gatewayRoute(network.gateway);
    return { route: () => route, apply: () => undefined, close: () => undefined };
  }
  if (!network) return { route: () => undefined, apply: () => undefined, close: () => undefined };
  const relay = new ImpairmentRelay(network.seed);
  const routes = new Map(network.bots.map((bot) => [bot.id, relay.route(bot.id, bot.profiles)]));
  return { route: (id) => routes.get(id), apply: (change) => relay.apply(change), close: () => relay.close() };
}
