/** The fetch warm-up of fleet processes (bots/warm-fetch.ts): a real request on loopback, and nothing left open after it. */
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { warmFetch } from '../../bots/warm-fetch.js';

const openSockets = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap' || kind === 'TCPSocketWrap').length;

it('makes one request to a server of its own and closes both ends', async () => {
  const before = openSockets();
  await warmFetch();
  // Sockets finish closing on later turns of the loop: polled for as long as the fixed wait was.
  const deadline = performance.now() + 100;
  while (openSockets() !== before && performance.now() < deadline) await sleep(2);
  assert.equal(openSockets(), before);
});
