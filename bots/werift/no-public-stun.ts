/**
 * werift's ICE agent falls back to a public STUN server (stun.l.google.com) whenever none is
 * configured, even with `iceServers: []`. rtcstorm sends load only to the host (or to addresses the
 * user allowed explicitly), so every ICE agent is stopped from asking for server-reflexive
 * candidates before it gathers. test/unit/werift-no-public-stun.test.ts fails if this stops applying.
 */
import { Connection } from 'werift';

type Gather = (this: Connection, addresses: string[], timeout?: number) => unknown;

const prototype = Connection.prototype as unknown as { getCandidatePromises?: Gather };
const original = prototype.getCandidatePromises;
if (typeof original !== 'function') {
  throw new Error('werift changed: Connection.prototype.getCandidatePromises is gone; re-check bots/werift/no-public-stun.ts');
}
prototype.getCandidatePromises = function (this: Connection, addresses: string[], timeout?: number) {
  this.stunServer = undefined;
  return original.call(this, addresses, timeout);
};
