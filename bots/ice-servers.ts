/**
 * What a participant does with the ICE servers (STUN, TURN) its target names for a connection
 * (ports/target-adapter.ts useIceServers): which it gathers with, which not and why, and the event
 * that tells the report so.
 */
import type { MetricStore } from '../core/metrics/store.js';
import { isLoopbackHost } from '../core/scenario/schema.js';
import type { IceServer } from '../ports/target-adapter.js';

export interface IceServerUse {
  /** The servers to gather with (empty: the connection keeps what it has). */
  use: IceServer[];
  /** Whether every server named is used. */
  ok: boolean;
  /** For the report: the servers' URLs (never credentials) and what became of them. */
  detail: string;
}

const urlsOf = (server: IceServer): string[] => (Array.isArray(server.urls) ? server.urls : [server.urls]);

/** `stun:host:port`, `turn:[::1]:3478?transport=udp` → `host`, `[::1]`, lower case. */
export function iceServerHost(url: string): string {
  const rest = url.replace(/^[a-z]+:/i, '').replace(/\?.*$/, '');
  const host = rest.startsWith('[') ? rest.slice(0, rest.indexOf(']') + 1) : rest.split(':')[0]!;
  return host.toLowerCase();
}

export interface IceServerLimits {
  /** The run keeps every packet on the host (a loopback target): a server elsewhere is not asked. */
  onHost: boolean;
  /** The connection made its ICE agent already (it offered, or took an offer), which keeps the servers it was made with. */
  gathered: boolean;
  /** Why TURN servers are not used, when the participant's media cannot go through a relay. */
  noTurn?: string;
}

const isTurn = (server: IceServer): boolean => urlsOf(server).some((url) => /^turns?:/i.test(url));

/** Which of `servers` a connection gathers with, and what the report says of the others. */
export function iceServerUse(servers: IceServer[], purpose: string, limits: IceServerLimits): IceServerUse {
  const elsewhere = limits.onHost ? servers.filter((s) => !urlsOf(s).every((url) => isLoopbackHost(iceServerHost(url)))) : [];
  const noTurn = limits.noTurn === undefined ? [] : servers.filter((s) => isTurn(s) && !elsewhere.includes(s));
  const usable = servers.filter((s) => !elsewhere.includes(s) && !noTurn.includes(s));
  const names = (list: IceServer[]): string => list.flatMap(urlsOf).join(', ');
  const parts: string[] = [];
  if (usable.length > 0) parts.push(limits.gathered ? `${names(usable)}: not used, the connection had gathered its candidates before the target named them` : `${names(usable)}: used`);
  if (noTurn.length > 0) parts.push(`${names(noTurn)}: not used, ${limits.noTurn}`);
  if (elsewhere.length > 0) parts.push(`${names(elsewhere)}: not used, not on loopback while the target is (target.allowNonLoopback lets participants leave the host)`);
  const use = limits.gathered ? [] : usable;
  return { use, ok: use.length === servers.length, detail: `ICE servers the target named for a ${purpose} connection: ${parts.join('; ')}` };
}

/** Details already in each store's events: every participant of a process would report the same. */
const reported = new WeakMap<MetricStore, Set<string>>();

/** An `ice-servers` event, once per store (a process's run) and outcome. */
export function reportIceServers(store: MetricStore, peerId: string, use: IceServerUse): void {
  const seen = reported.get(store) ?? new Set<string>();
  reported.set(store, seen);
  if (seen.has(use.detail)) return;
  seen.add(use.detail);
  store.event({ atMs: Date.now() - store.startMs, kind: 'ice-servers', target: peerId, ok: use.ok, detail: use.detail });
}
