/**
 * Every use of werift's and Node's internals, in one place: the parts of werift 0.24.4's ICE and UDP
 * transport that the fast media path takes over, and Node's UDP handle under a dgram socket. Each
 * access checks its shape and fails loudly, naming the version it was written for; loading this
 * module checks werift's version first.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RemoteInfo, Socket } from 'node:dgram';

/** The werift these internals were written for (and patches/werift+0.24.4.patch applies to). */
export const weriftVersion = '0.24.4';

// werift's main entry is lib/webrtc/src/index.js; its exports map does not give package.json.
const installed = (JSON.parse(readFileSync(join(dirname(createRequire(import.meta.url).resolve('werift')), '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
if (installed !== weriftVersion) throw new Error(`werift ${installed} is installed; rtcstorm's fast media path and patch are for werift ${weriftVersion} (bots/werift/werift-internals.ts, patches/)`);

export type Address = readonly [string, number];

/** The parts of werift's UDP transport used here; not in werift's public types. */
export interface UdpTransportInternals {
  socket: Socket;
  rinfo?: RemoteInfo;
  onData: (data: Buffer, addr: Address) => void;
  send: (data: Buffer, addr?: Address) => Promise<void>;
}

/** The parts of werift's ICE connection the consent checks take over; private in werift's types. */
export interface IceConnectionInternals {
  /** werift's consent loop runs while its session id is the connection's. */
  consentSessionId: number;
  consentExpiryTimer: NodeJS.Timeout | undefined;
  queryConsentHandle: unknown;
  /** werift sends nothing (its RTCP included) while this is false. */
  consentFresh: boolean;
  localUsername: string;
  remoteUsername: string;
  remotePassword: string;
  tieBreaker: bigint;
  iceControlling: boolean;
  remoteIsLite: boolean;
}

/**
 * Retires werift's consent checks as its own stopConsentLifecycle() would, but without cancelling
 * the loop: that aborts an AbortController, whose event dispatch and two DOMExceptions cost about 2%
 * of a join. With a new session id, werift's loop sends nothing more and ends by itself when its
 * current wait (at most 6 s) is over; its expiry timer is cleared here.
 */
export function retireWeriftConsent(ice: IceConnectionInternals): void {
  ice.consentSessionId++;
  clearTimeout(ice.consentExpiryTimer);
  ice.consentExpiryTimer = undefined;
  ice.queryConsentHandle = undefined;
  ice.consentFresh = true;
}

export function iceInternals(connection: unknown): IceConnectionInternals {
  const ice = connection as Partial<IceConnectionInternals>;
  if (typeof ice.consentSessionId !== 'number' || !('queryConsentHandle' in ice) || typeof ice.tieBreaker !== 'bigint' || typeof ice.remotePassword !== 'string') throw new Error('fast media path: werift\'s ICE connection is not the one this was written for (werift 0.24.4)');
  return ice as IceConnectionInternals;
}

/** Node's UDP handle under a dgram socket: it calls onmessage for each datagram, and dgram's onmessage emits 'message'. */
export interface UdpHandle {
  onmessage: (nread: number, handle: unknown, data: Buffer, rinfo: RemoteInfo) => void;
}

/**
 * Hands each datagram of `socket` to `listener` straight from Node's handle, without the 'message'
 * event: among a fleet process's hundreds of sockets, whose listener maps differ, EventEmitter's
 * lookup of the listener goes megamorphic (measured in docs/werift.md). Read errors still reach the
 * socket's 'error' listeners.
 */
export function onDatagram(socket: Socket, listener: (data: Buffer, rinfo: RemoteInfo) => void): void {
  const state = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'state symbol');
  const handle = state ? (socket as unknown as Record<symbol, { handle?: Partial<UdpHandle> } | undefined>)[state]?.handle : undefined;
  if (typeof handle?.onmessage !== 'function') throw new Error(`fast media path: node:dgram is not the one this was written for (Node 20, 22, 24), running ${process.version}`);
  const emitting = handle.onmessage;
  handle.onmessage = (nread, from, data, rinfo) => {
    if (nread < 0) emitting(nread, from, data, rinfo);
    else listener(data, rinfo);
  };
}
