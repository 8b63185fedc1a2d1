/**
 * The route of a bot inside a network namespace: the target listens on loopback in the host's
 * namespace, which the bot reaches at the gateway (the host end of its veth pair, translated back
 * to 127.0.0.1 there: namespaces.ts). Every loopback address the target hands out is dialled there.
 */
import type { MediaRoute } from '../../../ports/media-route.js';

const loopback = /^127\.\d+\.\d+\.\d+$/;

export function gatewayRoute(gateway: string): MediaRoute {
  const via = (host: string): string => (loopback.test(host) ? gateway : host);
  return {
    reach: (url) => {
      const parsed = new URL(url);
      parsed.hostname = via(parsed.hostname);
      return parsed.toString();
    },
    open: async () => ({
      to: (candidate) => ({ address: via(candidate.address), port: candidate.port }),
      advertise: () => undefined,
      nameStream: () => undefined,
      close: () => undefined,
    }),
  };
}
