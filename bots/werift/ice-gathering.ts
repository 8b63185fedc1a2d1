/**
 * What werift's ICE agent gathers, bent to rtcstorm's network rule (load goes to the host, or to
 * addresses the user allowed explicitly):
 * - werift falls back to a public STUN server (stun.l.google.com) whenever none is configured, even
 *   with `iceServers: []`; every agent is stopped from asking for server-reflexive candidates.
 * - werift gathers one host candidate (and one UDP socket) per interface address, and its
 *   `interfaceAddresses` option only picks the address its sockets bind to. When that option pins
 *   an address, only that address is gathered: a bot talking to a loopback target holds one socket
 *   per peer connection, not one per interface, and pairs nothing it would filter out anyway.
 * test/unit/werift-ice-gathering.test.ts fails if this stops applying.
 */
import { Connection } from 'werift';

type Gather = (this: Connection, addresses: string[], timeout?: number) => unknown;

const prototype = Connection.prototype as unknown as { getCandidatePromises?: Gather };
const original = prototype.getCandidatePromises;
if (typeof original !== 'function') {
  throw new Error('werift changed: Connection.prototype.getCandidatePromises is gone; re-check bots/werift/ice-gathering.ts');
}
prototype.getCandidatePromises = function (this: Connection, addresses: string[], timeout?: number) {
  this.stunServer = undefined;
  const pinned = this.options.interfaceAddresses?.udp4;
  return original.call(this, pinned ? addresses.filter((address) => address === pinned) : addresses, timeout);
};
