/** How a fleet process's bots reach the target, as the run hands it over at start. */
import { profilesOf, type NetworkPlan } from '../../core/plan/network-plan.js';
import type { BotPlan } from '../../core/plan/plan.js';
import { gatewayRoute } from './kernel/gateway-route.js';
import type { FleetNetwork, FleetRoutes } from '../../ports/network-control.js';
import { relayRoute } from './relay-route.js';
import { RelayThread } from './relay-thread-client.js';


/** The relayed bots among `bots`, with their assigned profiles resolved by name. */
export function userspaceNetwork(plan: NetworkPlan, bots: readonly BotPlan[], seed: number): FleetNetwork {
  const relayed = bots.filter((bot) => plan.bots.has(bot.id)).map((bot) => ({ id: bot.id, profiles: profilesOf(plan, bot.id) }));
  return { backend: 'userspace', seed, bots: relayed };
}


/** `startMs`: the run's 0 (epoch ms), where traces are timed from; `onError`: the relay thread failed. */
export function fleetRoutes(network: FleetNetwork | undefined, startMs: number, onError: (error: Error) => void): FleetRoutes {
  if (network?.backend === 'kernel') {
    // The kernel backend changes its rules from the run process; nothing to do here per change.
    const route = gatewayRoute(network.gateway);
    return { route: () => route, apply: () => undefined, close: async () => undefined };
  }
  if (!network || network.bots.length === 0) return { route: () => undefined, apply: () => undefined, close: async () => undefined };
  const relay = new RelayThread(network.seed, startMs, onError);
  const routes = new Map(
    network.bots.map((bot) => {
      relay.addBot(bot.id, bot.profiles);
      return [bot.id, relayRoute(relay, bot.id)];
    }),
  );
  return { route: (id) => routes.get(id), apply: (change) => relay.apply(change), close: () => relay.close() };
}
