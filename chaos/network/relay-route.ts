/** A relayed bot's route: each transport's UDP candidates are replaced by relay links to them. */
import type { MediaPath, MediaRoute } from '../../bots/media-route.js';
import type { TransportInfo } from '../../target-server/protocol.js';
import type { Relay } from './relay.js';
import { relayHost } from './relay-link.js';

export function relayRoute(relay: Relay, botId: number): MediaRoute {
  return {
    reach: (url) => url,
    open: async (transport: TransportInfo): Promise<MediaPath> => {
      const candidates = transport.iceCandidates.filter((c) => c.protocol === 'udp');
      const links = await relay.openLinks(botId, candidates.map((c) => ({ address: c.address ?? c.ip ?? '', port: c.port })));
      return {
        transport: { ...transport, iceCandidates: candidates.map((c, i) => ({ ...c, address: relayHost, port: links.ports[i]! })) },
        nameStream: (ssrc, name) => relay.nameStream(botId, ssrc, name),
        close: () => links.close(),
      };
    },
  };
}
