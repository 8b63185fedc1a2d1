/** Network chaos as the run sends it to whoever impairs (fleet processes' relays, or the kernel backend). */
import type { DirectionProfiles } from '../../core/scenario/network-types.js';

export type NetworkChange =
  /** These bots take `profiles` (per direction) until the change `id` ends. */
  | { kind: 'impair'; id: string; bots: number[]; profiles: DirectionProfiles }
  /** Media to and from these server ports (one node's WebRtcServers) is dropped until `id` ends. */
  | { kind: 'partition'; id: string; ports: number[] }
  | { kind: 'end'; id: string };
