/**
 * How a bot's traffic reaches the target: directly, through the impairment relay of its fleet
 * process (chaos/network/relay.ts), or from a network namespace through its gateway
 * (chaos/network/kernel/). The bot asks its route for every address it dials.
 */
import type { TransportInfo } from '../target-server/protocol.js';

export interface MediaPath {
  /** The transport as the bot uses it: its ICE candidates say where media must be sent. */
  readonly transport: TransportInfo;
  /**
   * Names the stream an SSRC carries (its sender's peer id): SSRCs are random per run, names are
   * not, so seeded impairment repeats packet by packet in every run.
   */
  nameStream(ssrc: number, name: string): void;
  close(): void;
}

export interface MediaRoute {
  /** The URL to dial for one of the target's signalling or directory URLs. */
  reach(url: string): string;
  /** Where a transport's media goes; the path is closed with the transport. */
  open(transport: TransportInfo): Promise<MediaPath>;
}

/** Straight to the target. */
export const directRoute: MediaRoute = {
  reach: (url) => url,
  open: async (transport) => ({ transport, nameStream: () => undefined, close: () => undefined }),
};
