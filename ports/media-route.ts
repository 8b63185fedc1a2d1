/**
 * How a participant's traffic reaches the target: directly, through the impairment relay of its
 * fleet process (chaos/network/relay.ts), or from a network namespace through its gateway
 * (chaos/network/kernel/). The participant asks its route for every address it dials, and for
 * where to send instead of each ICE candidate the target gives.
 */

export interface Endpoint { address: string; port: number }

export interface MediaPath {
  /** Where media for one of the target's candidates goes instead; undefined: not through this path. */
  to(candidate: Endpoint): Endpoint | undefined;
  /**
   * What the target is told instead of one of the participant's own candidates: a full-ICE target
   * checks the participant's candidates itself, and must reach it through the path too. Undefined:
   * the candidate as it is.
   */
  advertise(local: Endpoint): Endpoint | undefined;
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
  /** A path for media to these candidates of one connection; closed with the connection. */
  open(candidates: Endpoint[]): Promise<MediaPath>;
}

/** Straight to the target. */
export const directRoute: MediaRoute = {
  reach: (url) => url,
  open: async () => ({ to: (candidate) => candidate, advertise: () => undefined, nameStream: () => undefined, close: () => undefined }),
};
