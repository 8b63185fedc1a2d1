/**
 * The fast media path against the real SFU: bots on it and bots on werift's own RTP stack share a
 * room, so each path must decrypt what mediasoup (libsrtp) re-encrypted from the other's packets;
 * and its own ICE consent checks keep mediasoup's transports past mediasoup's 30 s consent timeout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import { SendScheduler } from '../../bots/fleet/send-scheduler.js';
import { startBundledTarget } from '../../target-server/bundled-target.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchBot } from '../../bench/bench-bot.js';

// The three tests run at once, each with its own bundled target and bots: the consent test idles
// 34 s (two bots at 50 packets/s) and the other two, a few seconds each, fit inside that wait.
describe('fast media path', { concurrency: true }, () => {
  it('interoperates with werift\'s RTP stack through mediasoup, both ways, without loss', async () => {
    const target = await startBundledTarget({ nodes: 1, workersPerNode: 1 });
    const stores = { fast: new MetricStore(Date.now()), werift: new MetricStore(Date.now()) };
    const bots = (['fast', 'werift', 'fast', 'werift'] as const).map((mediaPath, id) => benchBot({ id, room: 0, nodeUrl: target.nodes[0]!.url, group: mediaPath, store: stores[mediaPath], mediaPath }));
    const scheduler = new SendScheduler(20);
    try {
      await Promise.all(bots.map((b) => b.join()));
      assert.deepEqual(bots.map((b) => b.state), ['connected', 'connected', 'connected', 'connected']);
      await sleep(1000); // every subscription resumed
      for (const b of bots) b.sampleSecond(Date.now());
      for (const b of bots) scheduler.add(b);
      scheduler.start();
      await sleep(3000);
      scheduler.stop();
      await sleep(300);
      for (const b of bots) b.sampleSecond(Date.now());
      for (const [path, store] of Object.entries(stores)) {
        const sent = store.counter('packets_sent');
        const received = store.counter('packets_received');
        assert.ok(sent > 2 * 120, `${path} bots sent ${sent}`);
        // Each of the two bots hears the other three; only packets in flight at the end may be missing.
        assert.ok(received >= 2 * 3 * 140, `${path} bots received ${received}`);
        assert.equal(store.counter('packets_expected') - received, 0, `${path} bots lost packets`);
        assert.ok(store.histogram('e2e_latency_ms').percentile(50) < 20, `${path} latency p50`);
      }
    } finally {
      scheduler.stop();
      for (const b of bots) b.close();
      await target.stop();
    }
  });

  it('negotiates the receive side once: streams announced later flow without a renegotiation', async () => {
    const target = await startBundledTarget({ nodes: 1, workersPerNode: 1 });
    const url = target.nodes[0]!.url;
    const stores = { fast: new MetricStore(Date.now()), werift: new MetricStore(Date.now()), others: new MetricStore(Date.now()) };
    // The two first joiners are alone at first: every stream they hear is announced after their receive side was negotiated.
    const first = { fast: benchBot({ id: 0, room: 2, nodeUrl: url, group: 'fast', store: stores.fast, mediaPath: 'fast' }), werift: benchBot({ id: 1, room: 2, nodeUrl: url, group: 'werift', store: stores.werift, mediaPath: 'werift' }) };
    const later = [2, 3, 4].map((id) => benchBot({ id, room: 2, nodeUrl: url, group: 'others', store: stores.others, mediaPath: 'fast' }));
    const bots = [first.fast, first.werift, ...later];
    const scheduler = new SendScheduler(20);
    try {
      await Promise.all([first.fast.join(), first.werift.join()]);
      for (const b of later) {
        await b.join();
        await sleep(200);
      }
      await sleep(1000);
      assert.deepEqual(bots.map((b) => b.state), ['connected', 'connected', 'connected', 'connected', 'connected']);
      // Private access (bracket notation) to what werift was told: one m-line on the fast path, one per stream on werift's.
      assert.equal(first.fast['session']?.recvs[0]?.pc.getTransceivers().length, 1);
      assert.equal(first.werift['session']?.recvs[0]?.pc.getTransceivers().length, 4);
      for (const b of bots) b.sampleSecond(Date.now());
      for (const b of bots) scheduler.add(b);
      scheduler.start();
      await sleep(2000);
      scheduler.stop();
      await sleep(300);
      for (const b of bots) b.sampleSecond(Date.now());
      for (const path of ['fast', 'werift'] as const) {
        const store = stores[path];
        const received = store.counter('packets_received');
        // Four senders for 2 s at 50 packets/s; only packets in flight at the end may be missing.
        assert.ok(received >= 4 * 90, `first ${path} bot received ${received}`);
        assert.equal(store.counter('packets_expected') - received, 0, `first ${path} bot lost packets`);
      }
    } finally {
      scheduler.stop();
      for (const b of bots) b.close();
      await target.stop();
    }
  });

  it('keeps consent with mediasoup past its 30 s ICE consent timeout', async () => {
    const target = await startBundledTarget({ nodes: 1, workersPerNode: 1 });
    const store = new MetricStore(Date.now());
    const bots = [0, 1].map((id) => benchBot({ id, room: 1, nodeUrl: target.nodes[0]!.url, group: 'fast', store, mediaPath: 'fast' }));
    const scheduler = new SendScheduler(20);
    try {
      await Promise.all(bots.map((b) => b.join()));
      for (const b of bots) scheduler.add(b);
      scheduler.start();
      // Without answered consent checks, mediasoup stops sending at 30 s and the bots fail over.
      await sleep(34_000);
      for (const b of bots) b.sampleSecond(Date.now());
      const late = store.histogram('e2e_latency_ms', undefined, store.seconds().at(-3), store.seconds().at(-2)).count;
      assert.ok(late > 2 * 2 * 45, `packets received in the last seconds: ${late}`);
      assert.equal(store.counter('bot_failures'), 0);
      assert.deepEqual(bots.map((b) => b.state), ['connected', 'connected']);
    } finally {
      scheduler.stop();
      for (const b of bots) b.close();
      await target.stop();
    }
  });
});
