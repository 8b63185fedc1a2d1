/** The userspace relay on real loopback sockets: its own 5-tuple per bot, delays, impair and partition changes. */
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import type { DirectionProfiles } from '../../core/scenario/network-types.js';
import { relayRoute } from '../../chaos/network/relay-route.js';
import { RelayThread } from '../../chaos/network/relay-thread-client.js';
import { ImpairmentRelay, type Relay } from '../../chaos/network/relay.js';
import { TimerQueue } from '../../chaos/network/timer-queue.js';
import type { ImpairmentProfile } from '../../core/scenario/network-types.js';
import type { Endpoint } from '../../ports/media-route.js';
import { rtpPacket, stunPacket } from '../helpers/packets.js';

const none: ImpairmentProfile = { loss: null, delayMs: 0, jitter: null, duplicateRatio: 0, rate: null, blackhole: false };

function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket)));
}

/** The next datagram a socket receives, with where from and when; undefined if none comes within `ms`. */
function next(socket: Socket, ms = 300): Promise<{ data: Buffer; port: number; atMs: number } | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('message', onMessage);
      resolve(undefined);
    }, ms);
    function onMessage(data: Buffer, from: { port: number }): void {
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve({ data, port: from.port, atMs: performance.now() });
    }
    socket.on('message', onMessage);
  });
}

/** A relay in a worker thread takes changes as messages: give one time to arrive. */
const settled = (): Promise<void> => sleep(50);

/** The one UDP candidate of a target listening on loopback at `port`. */
function candidatesTo(port: number): Endpoint[] {
  return [{ address: '127.0.0.1', port }];
}

const placements: Array<[string, () => Relay]> = [
  ['in this thread', () => new ImpairmentRelay(9)],
  ['in a worker thread', () => new RelayThread(9, performance.timeOrigin, (error) => assert.fail(error))],
];

for (const [placement, createRelay] of placements) describe(`impairment relay on loopback, ${placement}`, () => {
  let server: Socket;
  let bots: Socket[];
  const relay = createRelay();
  const route = (botId: number, base: DirectionProfiles) => {
    relay.addBot(botId, base);
    return relayRoute(relay, botId);
  };

  before(async () => {
    server = await bound();
    bots = [await bound(), await bound()];
  });

  after(async () => {
    await relay.close();
    server.close();
    bots.forEach((b) => b.close());
  });

  it('gives each bot transport a relay address of its own and forwards both ways', async () => {
    const serverPort = server.address().port;
    const paths = await Promise.all([1, 2].map((id) => route(id, {}).open(candidatesTo(serverPort))));
    const relayPorts = paths.map((p) => p.to(candidatesTo(serverPort)[0]!)!.port);
    assert.notEqual(relayPorts[0], relayPorts[1]);
    assert.ok(relayPorts.every((port) => port !== serverPort));
    for (const [k, bot] of bots.entries()) {
      const arriving = next(server);
      bot.send(stunPacket(), relayPorts[k], '127.0.0.1');
      const up = await arriving;
      assert.equal(up?.port, relayPorts[k], 'the server sees the relay socket of this bot, a 5-tuple of its own');
      const back = next(bot);
      server.send(Buffer.from('reply'), up!.port, '127.0.0.1');
      assert.equal((await back)?.data.toString(), 'reply');
    }
    paths.forEach((p) => p.close());
  });

  it('delays the downlink by the profile, and impair steps replace the profile until they end', async () => {
    const serverPort = server.address().port;
    const path = await route(3, { down: { ...none, delayMs: 60 } }).open(candidatesTo(serverPort));
    const relayPort = path.to(candidatesTo(serverPort)[0]!)!.port;
    const [bot] = bots;
    const arriving = next(server);
    bot!.send(stunPacket(), relayPort, '127.0.0.1');
    const up = await arriving;
    const sentAt = performance.now();
    const down = next(bot!);
    server.send(rtpPacket(5, 1, 960), up!.port, '127.0.0.1');
    const got = await down;
    assert.ok(got && got.atMs - sentAt >= 59, `delivered after ${got && got.atMs - sentAt} ms, not before the 60 ms delay`);

    relay.apply({ kind: 'impair', id: 'chaos[0]', bots: [3], profiles: { up: { ...none, loss: { kind: 'random', ratio: 1 } } } });
    await settled();
    const lost = next(server, 200);
    bot!.send(rtpPacket(6, 1, 960), relayPort, '127.0.0.1');
    assert.equal(await lost, undefined, 'media uplink lost while the impair step lasts');
    const control = next(server);
    bot!.send(stunPacket(), relayPort, '127.0.0.1');
    assert.ok(await control, 'STUN still passes');
    relay.apply({ kind: 'end', id: 'chaos[0]' });
    await settled();
    const again = next(server);
    bot!.send(rtpPacket(6, 2, 1920), relayPort, '127.0.0.1');
    assert.ok(await again, 'media passes again after the step ended');
    path.close();
  });

  it('a partition of the server ports drops everything both ways until healed, also on links opened meanwhile', async () => {
    const serverPort = server.address().port;
    relay.apply({ kind: 'partition', id: 'chaos[1]', ports: [serverPort] });
    await settled();
    const path = await route(4, {}).open(candidatesTo(serverPort));
    const relayPort = path.to(candidatesTo(serverPort)[0]!)!.port;
    const [bot] = bots;
    const cut = next(server, 200);
    bot!.send(stunPacket(), relayPort, '127.0.0.1');
    assert.equal(await cut, undefined);
    relay.apply({ kind: 'end', id: 'chaos[1]' });
    await settled();
    const healed = next(server);
    bot!.send(stunPacket(), relayPort, '127.0.0.1');
    assert.ok(await healed);
    path.close();
  });
});

describe('timer queue', () => {
  it('runs entries in time order, and those due at the same time in the order scheduled', async () => {
    const queue = new TimerQueue();
    const ran: string[] = [];
    const now = performance.now();
    queue.at(now + 30, () => ran.push('c1'));
    queue.at(now + 10, () => ran.push('a'));
    queue.at(now + 30, () => ran.push('c2'));
    queue.at(now + 20, () => ran.push('b'));
    queue.at(now + 30, () => ran.push('c3'));
    await sleep(80);
    assert.deepEqual(ran, ['a', 'b', 'c1', 'c2', 'c3']);
    assert.equal(queue.size, 0);
  });

  it('clear() drops what is pending', async () => {
    const queue = new TimerQueue();
    let ran = false;
    queue.at(performance.now() + 5, () => (ran = true));
    queue.clear();
    await sleep(30);
    assert.equal(ran, false);
  });
});
