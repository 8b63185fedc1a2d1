/**
 * The batched subscription requests a bot joining a room sends (`consumeMany`, `resumeConsumers`),
 * against one real node: one request consumes several producers, a producer that is gone is listed
 * as skipped instead of failing the others, and bad input gets a precise error.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignallingClient, SignallingError } from '../../targets/rtcstorm/signalling-client.js';
import { receiveCapabilities } from '../../targets/rtcstorm/rtcstorm-adapter.js';
import { startBundledTarget } from '../../target-server/bundled-target.js';
import type { Target } from '../../ports/target-control.js';
import { maxBatch } from '../../ports/rtcstorm-protocol.js';

const roomId = 'batch-room';

async function speaker(url: string, peerId: string, ssrc: number): Promise<{ client: SignallingClient; producerId: string }> {
  const client = await SignallingClient.connect(url);
  await client.request('join', { roomId, peerId });
  const { transportId } = await client.request('createTransport', { direction: 'send' });
  const { producerId } = await client.request('produce', {
    transportId,
    kind: 'audio',
    rtpParameters: { mid: '0', codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] },
  });
  return { client, producerId };
}

describe('batched consume and resume', () => {
  let target: Target;
  const clients: SignallingClient[] = [];

  before(async () => {
    target = await startBundledTarget({ nodes: 1, workersPerNode: 1 });
  });

  after(async () => {
    for (const client of clients) client.close();
    await target?.stop();
  });

  it('consumes several producers in one request, skips one that is gone, resumes them in one', async () => {
    const url = target.nodes[0]!.url;
    const speakers = await Promise.all([1, 2, 3].map((i) => speaker(url, `speaker-${i}`, 1000 + i)));
    clients.push(...speakers.map((s) => s.client));
    const gone = speakers[2]!;
    gone.client.close();
    const listener = await SignallingClient.connect(url);
    clients.push(listener);
    await listener.request('join', { roomId, peerId: 'listener' });
    const { transportId } = await listener.request('createTransport', { direction: 'recv' });
    // The closed speaker's producer is gone once the node has seen its socket close.
    await sleep(200);

    const producerIds = speakers.map((s) => s.producerId);
    const { consumers, skipped } = await listener.request('consumeMany', { transportId, producerIds, rtpCapabilities: receiveCapabilities });
    assert.deepEqual(consumers.map((c) => c.producerId), producerIds.slice(0, 2));
    assert.deepEqual(skipped, [gone.producerId]);
    assert.ok(consumers.every((c) => c.kind === 'audio' && typeof c.consumerId === 'string'));
    assert.equal(new Set(consumers.map((c) => c.consumerId)).size, 2);
    assert.ok(consumers.every((c) => c.paused), 'consumers start paused by default');
    assert.deepEqual(await listener.request('resumeConsumers', { consumerIds: consumers.map((c) => c.consumerId) }), {});
  });

  it('starts the consumers of a batch flowing when asked to (paused: false)', async () => {
    const url = target.nodes[0]!.url;
    const { client, producerId } = await speaker(url, 'speaker-unpaused', 2001);
    const listener = await SignallingClient.connect(url);
    clients.push(client, listener);
    await listener.request('join', { roomId, peerId: 'listener-unpaused' });
    const { transportId } = await listener.request('createTransport', { direction: 'recv' });
    const { consumers } = await listener.request('consumeMany', { transportId, producerIds: [producerId], rtpCapabilities: receiveCapabilities, paused: false });
    assert.deepEqual(consumers.map((c) => [c.producerId, c.paused]), [[producerId, false]]);
  });

  it('refuses an unknown transport, an unknown consumer and an oversized batch, naming what is wrong', async () => {
    const listener = await SignallingClient.connect(target.nodes[0]!.url);
    clients.push(listener);
    await listener.request('join', { roomId, peerId: 'refused' });
    const { transportId } = await listener.request('createTransport', { direction: 'recv' });
    const refusal = (promise: Promise<unknown>): Promise<string> => promise.then(
      () => assert.fail('request was accepted'),
      (error: unknown) => {
        assert.ok(error instanceof SignallingError);
        return error.message;
      },
    );
    assert.match(await refusal(listener.request('consumeMany', { transportId: 'nope', producerIds: ['p'], rtpCapabilities: receiveCapabilities })), /^consumeMany: not-found: no transport "nope"/);
    assert.match(await refusal(listener.request('resumeConsumers', { consumerIds: ['nope'] })), /^resumeConsumers: not-found: no consumer "nope"/);
    const tooMany = Array.from({ length: maxBatch + 1 }, (_, i) => `p-${i}`);
    assert.match(await refusal(listener.request('consumeMany', { transportId, producerIds: tooMany, rtpCapabilities: receiveCapabilities })), /^consumeMany: bad-request: consumeMany: .*producerIds/s);
  });
});
