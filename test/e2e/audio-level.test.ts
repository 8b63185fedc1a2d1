/**
 * The audio level (RFC 6464) bots write, as a real SFU's active-speaker feature hears it: the bundled
 * target's node in this process, with a mediasoup AudioLevelObserver on its room's router (attached
 * through mediasoup's own observer API, not the node's code).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { types } from 'mediasoup';
import { MetricStore } from '../../core/metrics/store.js';
import { SendScheduler } from '../../bots/fleet/send-scheduler.js';
import { loadMediasoup } from '../../target-server/mediasoup.js';
import { SfuNode } from '../../target-server/sfu-node.js';
import { benchBot } from '../../bench/bench-bot.js';

describe('audio level header extension', () => {
  it('a room\'s AudioLevelObserver hears the bots on the media plane at their speech\'s level, and not the ones on werift\'s stack', async () => {
    const mediasoup = await loadMediasoup();
    const volumes = new Map<string, number[]>();
    const producerOf = new Map<string, string>();
    const onWorker = (worker: types.Worker): void => {
      worker.observer.on('newrouter', (router: types.Router) => {
        void router.createAudioLevelObserver({ maxEntries: 10, threshold: -127, interval: 200 }).then((observer) => {
          observer.on('volumes', (entries) => entries.forEach(({ producer, volume }) => volumes.set(producer.id, [...(volumes.get(producer.id) ?? []), volume])));
          router.observer.on('newtransport', (transport: types.Transport) =>
            transport.observer.on('newproducer', (producer: types.Producer) => {
              if (producer.kind !== 'audio') return;
              producerOf.set(producer.id, String(producer.rtpParameters.encodings?.[0]?.ssrc));
              void observer.addProducer({ producerId: producer.id });
            }),
          );
        });
      });
    };
    mediasoup.observer.on('newworker', onWorker);
    const node = await SfuNode.start({ nodeId: 'audio-level', workers: 1, port: 0 });
    const store = new MetricStore(Date.now());
    const bots = (['fast', 'fast', 'werift'] as const).map((mediaPath, id) => benchBot({ id, room: 7, nodeUrl: node.url, group: mediaPath, store, mediaPath }));
    const scheduler = new SendScheduler(20);
    try {
      for (const bot of bots) await bot.join();
      assert.deepEqual(bots.map((b) => b.state), ['connected', 'connected', 'connected']);
      for (const bot of bots) scheduler.add(bot);
      scheduler.start();
      await sleep(4000);
      scheduler.stop();
      const heard = [...volumes].map(([producer, v]) => ({ producer, ssrc: producerOf.get(producer), median: [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!, reports: v.length }));
      console.log(`# AudioLevelObserver: ${JSON.stringify(heard)}`);
      // Two producers with the extension, reported every 200 ms; mediasoup averages -dBov levels into volume.
      assert.equal(heard.length, 2, `producers heard: ${JSON.stringify(heard)} of ${producerOf.size}`);
      for (const h of heard) {
        assert.ok(h.reports >= 10, JSON.stringify(h));
        assert.ok(h.median < -10 && h.median > -45, `speech level ${h.median} dBov`);
      }
      assert.equal(producerOf.size, 3);
    } finally {
      scheduler.stop();
      for (const bot of bots) bot.close();
      mediasoup.observer.off('newworker', onWorker);
      await node.close();
    }
  });
});
