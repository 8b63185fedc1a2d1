/**
 * Where live metrics go: like load, metric traffic stays on loopback unless --allow-non-loopback
 * says otherwise (a scrape endpoint on 0.0.0.0 exposes the run to the network; a push sends to it).
 */
import { isLoopbackHost } from '../../core/scenario/schema.js';

export interface ListenAddress {
  /** As given to server.listen: brackets removed from IPv6. */
  host: string;
  port: number;
}

function loopbackOnly(host: string, what: string, allowNonLoopback: boolean): void {
  if (!allowNonLoopback && !isLoopbackHost(host)) {
    throw new RangeError(`${what} host "${host}" is not loopback (127.0.0.0/8, localhost, ::1); pass --allow-non-loopback to use it`);
  }
}

/** ":9464" (127.0.0.1), "127.0.0.1:9464", "[::1]:9464", "localhost:9464"; port 0 takes any free port. */
export function parseListenAddress(text: string, allowNonLoopback = false): ListenAddress {
  const withHost = text.startsWith(':') ? `127.0.0.1${text}` : text;
  const url = URL.canParse(`http://${withHost}`) ? new URL(`http://${withHost}`) : null;
  const port = Number(/:(\d+)$/.exec(withHost)?.[1]);
  if (!url || url.pathname !== '/' || !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new RangeError(`invalid listen address "${text}": expected :port or host:port, e.g. :9464 or 127.0.0.1:9464`);
  }
  loopbackOnly(url.hostname, '--prometheus', allowNonLoopback);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/** A Pushgateway base URL, http(s) only. */
export function parsePushUrl(text: string, allowNonLoopback = false): string {
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || !['http:', 'https:'].includes(url.protocol)) throw new RangeError(`invalid Pushgateway URL "${text}": expected http(s)://host:port`);
  loopbackOnly(url.hostname, '--prometheus-push', allowNonLoopback);
  return url.href;
}
