/**
 * What werift's ICE agent gathers, bent to rtcstorm's network rule (load goes to the host, or to
 * addresses the user allowed explicitly): werift falls back to a public STUN server
 * (stun.l.google.com) whenever none is configured, even with `iceServers: []`, so every agent is
 * stopped from asking for server-reflexive candidates. Which host addresses are gathered is set in
 * peer-config.ts. test/unit/werift-ice-gathering.test.ts fails if either stops applying.
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
  return original.call(this, addresses, timeout);
};
