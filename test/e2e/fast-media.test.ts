/**
 * The fast media path against the real SFU: bots on it and bots on werift's own RTP stack share a
 * room, so each path must decrypt what mediasoup (libsrtp) re-encrypted from the other's packets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import { SendScheduler } from '../../bots/fleet/send-scheduler.js';
import { WeriftBot } from '../../bots/werift/werift-bot.js';
import { startBundledTarget } from '../../target-server/bundled-target.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('fast media path', () => {
  it('interoperates with werift\'s RTP stack through mediasoup, both ways, without loss', async () => {
    const target = await startBundledTarget({ nodes: 1, workersPerNode: 1 });
    const stores = { fast: new MetricStore(Date.now()), werift: new MetricStore(Date.now()) };
    const bots = (['fast', 'werift', 'fast', 'werift'] as const).map(
      (mediaPath, id) =>
        new WeriftBot({
          id,
          roomId: 'mixed',
          room: 'room-0',
          signallingUrl: target.nodes[0]!.url,
          group: mediaPath,
          audio: { codec: 'opus', ptimeMs: 20, bitrateKbps: 32 },
          store: stores[mediaPath],
          joinTimeoutMs: 15_000,
          recovery: { mediaTimeoutMs: 5000, gapThresholdMs: 500, backoffInitialMs: 250, backoffMaxMs: 4000 },
          role: 'speaker',
          talk: { model: 'always' },
          random: Math.random,
          mediaPath,
        }),
    );
    const scheduler = new SendScheduler(20);
    try {
      await Promise.all(bots.map((bot) => bot.join()));
      assert.deepEqual(bots.map((b) => b.state), ['connected', 'connected', 'connected', 'connected']);
      await sleep(1000); // every subscription resumed
      for (const bot of bots) bot.sampleSecond(Date.now());
      for (const bot of bots) scheduler.add(bot);
      scheduler.start();
      await sleep(3000);
      scheduler.stop();
      await sleep(300);
      for (const bot of bots) bot.sampleSecond(Date.now());
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
      for (const bot of bots) bot.close();
      await target.stop();
    }
  });
});
