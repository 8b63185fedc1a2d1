/**
 * The native plane's voice accounting (C, native/voice_account.c) against bots/stream-receiver.ts: the
 * same packets, at the same arrival times, into both, and every figure each puts in its store must be
 * the same, second by second: counts, loss, jitter, one-way latency, media gaps, concealment, playout
 * delay, MOS. The packets are a seeded day in a room's life: talk spurts and DTX, loss in bursts,
 * reordering, duplicates, jitter spikes, a sender that leaves (a straggler after) and comes back, one
 * that goes silent past the playout model's restart, an RTP timestamp wrap, and a listener that leaves.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Histogram, scaleOf } from '../../core/metrics/histogram.js';
import { MetricStore } from '../../core/metrics/store.js';
import { seededRandom } from '../../core/plan/random.js';
import { loadNativeAddon, type NativeMediaAddon } from '../../bots/native-plane/native-addon.js';
import { NativeVoiceReceiver } from '../../bots/native-plane/native-voice-receiver.js';
import { writeStampedOpus } from '../../bots/opus-stamp.js';
import { StreamReceiver } from '../../bots/stream-receiver.js';
import type { MetricName } from '../../core/metrics/catalogue.js';
import type { VoiceReceiver, VoiceReceiverOptions } from '../../ports/media-plane.js';

interface Arrival {
  arrivalMs: number;
  payload: Uint8Array;
  timestamp: number;
  ssrc: number;
}

type Step = { atMs: number; act: (r: VoiceReceiver) => void };

const startMs = 1_760_000_000_000;
const frame = Uint8Array.of(0xfc, 9, 8, 7, 6, 5, 4, 3, 2, 1);

/** Every packet of `senders` over `seconds`, as it arrives (seeded), with the receiver's own steps among them. */
function day(seed: number, seconds: number): Step[] {
  const random = seededRandom(seed);
  const arrivals: Arrival[] = [];
  for (let sender = 0; sender < 6; sender++) {
    const ssrc = 0x1000 + sender;
    // Sender 1's RTP clock wraps during the run; sender 4 is on loopback (sub-millisecond latency, below HDR's first bucket step).
    const tsBase = sender === 1 ? 0xffffffff - 960 * 200 : Math.floor(random() * 0xffffffff);
    const loopback = sender === 4;
    let seq = Math.floor(random() * 1000);
    let talking = true;
    let spurtEnds = 0;
    let lastDtx = -Infinity;
    let lossy = false;
    for (let turn = 0; turn < (seconds * 1000) / 20; turn++) {
      const sentAtMs = startMs + turn * 20 + random() * 0.2;
      // Sender 2 leaves at 8 s and is back at 12 s; sender 3 is silent from 4 s to 8.5 s.
      if (sender === 2 && sentAtMs - startMs >= 8000 && sentAtMs - startMs < 12_000) continue;
      if (sender === 3 && sentAtMs - startMs >= 4000 && sentAtMs - startMs < 8500) continue;
      if (turn * 20 >= spurtEnds) {
        talking = !talking;
        spurtEnds = turn * 20 + (talking ? 400 + random() * 1500 : 300 + random() * 1200);
      }
      // DTX: a comfort-noise update every 400 ms in a pause.
      if (!talking && turn * 20 - lastDtx < 400) continue;
      if (!talking) lastDtx = turn * 20;
      const stamp = { senderId: 100 + sender, seq: seq++, sentAtMs };
      const payload = new Uint8Array(frame.length + 40);
      const length = writeStampedOpus(frame, stamp, payload, random() < 0.5 ? 3 : 0);
      const timestamp = (tsBase + turn * 960) >>> 0;
      // Loss in bursts (a Gilbert model), a jitter spike now and then.
      lossy = lossy ? random() < 0.6 : random() < 0.03;
      if (lossy) continue;
      const delay = loopback ? 0.05 + random() * 1.4 : 20 + random() * 25 + (random() < 0.02 ? 150 + random() * 150 : 0);
      const packet = { arrivalMs: sentAtMs + delay, payload: payload.subarray(0, length), timestamp, ssrc };
      arrivals.push(packet);
      if (random() < 0.01) arrivals.push({ ...packet, arrivalMs: packet.arrivalMs + random() * 30 });
    }
  }
  // Sender 2's straggler: one of its packets from before it left, long after.
  const straggler = arrivals.find((a) => a.ssrc === 0x1002 && a.arrivalMs > startMs + 7900);
  if (straggler) arrivals.push({ ...straggler, arrivalMs: startMs + 8600 });
  // The listener leaves at 15 s for a second: what comes meanwhile is not heard.
  const away = (at: number): boolean => at > startMs + 15_000 && at < startMs + 16_000;
  const steps: Step[] = arrivals.filter((a) => !away(a.arrivalMs)).map((a) => ({ atMs: a.arrivalMs, act: (r) => r.onPayload(a.payload, a.timestamp, 0, a.payload.length, a.ssrc, a.arrivalMs) }));
  steps.push({ atMs: startMs + 8200, act: (r) => r.streamEnded(0x1002) });
  steps.push({ atMs: startMs + 15_000, act: (r) => r.endAll() });
  for (let s = 1; s <= seconds; s++) steps.push({ atMs: startMs + s * 1000 + 500, act: (r) => r.sampleSecond(startMs + s * 1000 + 500) });
  return steps.sort((x, y) => x.atMs - y.atMs);
}

/** A store's seconds as comparable text: counters exactly, each histogram by its count, extremes, mean and every percentile. */
function figures(store: MetricStore): Map<string, string> {
  const out = new Map<string, string>();
  for (const bucket of store.takeAll()) {
    for (const [metric, groups] of Object.entries(bucket.counters)) for (const [group, n] of Object.entries(groups)) out.set(`${bucket.t} ${metric} ${group}`, String(n));
    for (const [metric, groups] of Object.entries(bucket.histograms)) {
      for (const [group, encoded] of Object.entries(groups)) {
        const h = Histogram.fromJSON(encoded, scaleOf(metric as MetricName));
        const percentiles = [1, 5, 10, 25, 50, 75, 90, 95, 99, 100].map((p) => h.percentile(p));
        out.set(`${bucket.t} ${metric} ${group}`, JSON.stringify({ count: h.count, min: h.min, max: h.max, mean: h.mean, percentiles }));
      }
    }
  }
  return out;
}

describe('voice accounting: C and JavaScript on the same packets', () => {
  let addon: NativeMediaAddon;
  before(() => {
    const loaded = loadNativeAddon();
    if (loaded instanceof Error) throw new Error(`the native plane must be built by npm run setup: ${loaded.message}`);
    addon = loaded;
  });

  for (const [name, playout] of [['with the playout model (speech)', true], ['without it (filler audio)', false]] as const) {
    it(`makes the same figures, second by second, ${name}`, () => {
      const options = (store: MetricStore): VoiceReceiverOptions => ({
        store,
        group: 'g',
        room: 'room-3',
        clockRateHz: 48_000,
        gapThresholdMs: 250,
        ...(playout ? { playout: { ptimeMs: 20 } } : {}),
      });
      const js = { store: new MetricStore(startMs), media: [] as number[] };
      const c = { store: new MetricStore(startMs), media: [] as number[] };
      const jsReceiver = new StreamReceiver(options(js.store));
      const cReceiver = new NativeVoiceReceiver(addon, options(c.store));
      let armedAt = 0;
      for (const step of day(playout ? 7 : 8, 24)) {
        // A recovery's wait for the first media back, every 1.5 s.
        if (step.atMs - armedAt > 1500) {
          armedAt = step.atMs;
          jsReceiver.onceMedia((at) => js.media.push(at));
          cReceiver.onceMedia((at) => c.media.push(at));
        }
        step.act(jsReceiver);
        step.act(cReceiver);
        assert.equal(cReceiver.lastArrivalMs, jsReceiver.lastArrivalMs);
      }
      cReceiver.close();
      cReceiver.close();
      const a = figures(js.store);
      const b = figures(c.store);
      assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
      for (const [key, value] of a) assert.equal(b.get(key), value, key);
      assert.deepEqual(c.media, js.media, 'the first packet counted after each onceMedia');
      assert.ok(js.media.length > 10);
      // The day has every case in it: loss, gaps, concealment, and the figures are not all equal by being empty.
      const total = (metric: string): number => [...a].filter(([k]) => k.split(' ')[1] === metric).reduce((sum, [, v]) => sum + (v.startsWith('{') ? (JSON.parse(v) as { count: number }).count : Number(v)), 0);
      assert.ok(total('packets_expected') - total('packets_received') > 50, 'loss');
      assert.ok(total('media_gap_ms') >= 2, 'media gaps');
      assert.ok(total('e2e_latency_ms') > 3000, 'latency samples');
      if (playout) assert.ok(total('mos') > 50 && total('audio_concealed_ratio') > 50, 'rated seconds');
      else assert.equal(total('mos'), 0);
    });
  }

  it('ignores what is not a stamped Opus payload, and a closed account', () => {
    const store = new MetricStore(startMs);
    const receiver = new NativeVoiceReceiver(addon, { store, group: 'g', room: 'room-0', clockRateHz: 48_000, gapThresholdMs: 250 });
    receiver.onPayload(Uint8Array.of(0xfc, 1, 2, 3), 0, 0, 4, 1, startMs + 1);
    receiver.sampleSecond(startMs + 1500);
    assert.equal(store.counter('packets_received'), 0);
    receiver.close();
    const payload = new Uint8Array(64);
    const n = writeStampedOpus(frame, { senderId: 1, seq: 1, sentAtMs: startMs }, payload);
    receiver.onPayload(payload, 0, 0, n, 1, startMs + 2);
    receiver.sampleSecond(startMs + 2500);
    assert.equal(store.counter('packets_received'), 0);
    assert.equal(receiver.lastArrivalMs, Number.NEGATIVE_INFINITY);
  });
});
