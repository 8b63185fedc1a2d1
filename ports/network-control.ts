/**
 * Network control: what the run sends to whoever impairs the bots (the fleet processes' relays, or
 * the kernel backend), what a fleet process is told about its network, and the routes it gives
 * its bots. Implementations are in chaos/network/.
 */
import type { NetworkPlan } from '../core/plan/network-plan.js';
import type { BotPlan } from '../core/plan/plan.js';
import type { DirectionProfiles } from '../core/scenario/network-types.js';
import type { MediaRoute } from './media-route.js';

/** Network chaos as the run sends it to whoever impairs (fleet processes' relays, or the kernel backend). */
export type NetworkChange =
  /** These bots take `profiles` (per direction) until the change `id` ends. */
  | { kind: 'impair'; id: string; bots: number[]; profiles: DirectionProfiles }
  /** Media to and from these server ports (one node's WebRtcServers) is dropped until `id` ends. */
  | { kind: 'partition'; id: string; ports: number[] }
  | { kind: 'end'; id: string };

/** Whatever impairs the bots (the fleet's relays, or the kernel backend) takes changes through this. */
export interface NetworkControl {
  /** Resolves when the change is in effect, or on its way to every fleet process. */
  apply(change: NetworkChange): Promise<void>;
}

export interface NetworkChaos { plan: NetworkPlan; control: NetworkControl }

/** What a fleet process is told about its bots' network. */
export type FleetNetwork =
  /** These bots' media goes through the process's relay, impaired with their assigned profiles. */
  | { backend: 'userspace'; seed: number; bots: Array<{ id: number; profiles: DirectionProfiles }> }
  /** The process runs in a network namespace: the target's loopback addresses are reached at `gateway`. */
  | { backend: 'kernel'; gateway: string };

/** A fleet process's routes for its bots. */
export interface FleetRoutes {
  /** undefined: the bot goes straight to the target. */
  route(botId: number): MediaRoute | undefined;
  apply(change: NetworkChange): void;
  close(): Promise<void>;
}

/** What one fleet process runs: its bots, how they reach the target, and the namespace it runs in (kernel backend). */
export interface FleetSlice { bots: BotPlan[]; network?: FleetNetwork; netns?: string }

/** The werift fleet laid out on a network backend: its processes' slices, and what the backend needs undone at the end. */
export interface FleetLayout {
  slices: FleetSlice[];
  /** Where chaos goes when the backend applies it itself (kernel); undefined: to the fleet processes' relays. */
  control: NetworkControl | undefined;
  remove(): Promise<void>;
}

/** A network backend as the werift fleet uses it (chaos/network/fleet-layout.ts chooses userspace or kernel). */
export type LayOutFleet = (input: { runTag: string; seed: number; network: NetworkPlan | null; werift: BotPlan[]; processSlices: BotPlan[][] }) => Promise<FleetLayout>;
