/**
 * The werift fleet on the scenario's network backend: userspace (the plan's process slices, each
 * relaying its impaired bots) or kernel (one process per group, in the group's namespace).
 */
import type { FleetLayout, LayOutFleet } from '../../ports/network-control.js';
import { userspaceNetwork } from './fleet-network.js';
import { KernelNetwork } from './kernel/kernel-network.js';

export const layOutFleet: LayOutFleet = async ({ runTag, seed, network, werift, processSlices }): Promise<FleetLayout> => {
  if (network?.spec.backend === 'kernel') {
    const kernel = await KernelNetwork.start(runTag, network, werift);
    const slices = kernel.namespaces.map((ns) => ({ bots: werift.filter((bot) => bot.group === ns.group), network: { backend: 'kernel' as const, gateway: ns.gateway }, netns: ns.name }));
    return { slices, control: kernel, remove: () => kernel.remove() };
  }
  const slices = processSlices.map((bots) => (network ? { bots, network: userspaceNetwork(network, bots, seed) } : { bots }));
  return { slices, control: undefined, remove: async () => undefined };
};
