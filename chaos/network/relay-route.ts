/** A relayed bot's route: each of the target's UDP candidates is replaced by a relay link to it. */
import type { Endpoint, MediaPath, MediaRoute } from '../../ports/media-route.js';
import type { Relay } from './relay.js';
import { relayHost } from './relay-link.js';

const key = (e: Endpoint): string => `${e.address}:${e.port}`;

export function relayRoute(relay: Relay, botId: number): MediaRoute {
  return {
    reach: (url) => url,
    open: async (candidates: Endpoint[]): Promise<MediaPath> => {
      const links = await relay.openLinks(botId, candidates.map((c) => ({ address: c.address, port: c.port })));
      const via = new Map(candidates.map((c, i) => [key(c), { address: relayHost, port: links.ports[i]! }]));
      return {
        to: (candidate) => via.get(key(candidate)),
        advertise: (local) => {
          links.expectBot(local);
          return { address: relayHost, port: links.ports[0]! };
        },
        nameStream: (ssrc, name) => relay.nameStream(botId, ssrc, name),
        close: () => links.close(),
      };
    },
  };
}
