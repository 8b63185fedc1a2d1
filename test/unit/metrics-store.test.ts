import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../core/plan/random.js';
import { MetricStore, type CounterMetric, type SerializedBucket, type SerializedStore, type TrendMetric } from '../../core/metrics/index.js';

const START = 1_700_000_000_000;

const TRENDS: TrendMetric[] = ['e2e_latency_ms', 'join_time_ms', 'jitter_ms'];
const COUNTERS: CounterMetric[] = ['packets_sent', 'packets_received'];
const GROUPS = ['voice', 'video', 'fleet-0'];
const SECONDS = 5;

interface Sample {
  atMs: number;
  kind: 'trend' | 'counter';
  metric: string;
  group: string;
  value: number;
}

function randomSamples(n: number, seed: number): Sample[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    // A few samples land before the start: they belong to second 0.
    const atMs = START - 200 + Math.floor(rnd() * (SECONDS * 1000 + 200));
    if (rnd() < 0.7) out.push({ atMs, kind: 'trend', metric: pick(TRENDS), group: pick(GROUPS), value: Math.round(rnd() * 400_000) / 1000 });
    else out.push({ atMs, kind: 'counter', metric: pick(COUNTERS), group: pick(GROUPS), value: 1 + Math.floor(rnd() * 50) });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

function feed(store: MetricStore, s: Sample): void {
  if (s.kind === 'trend') store.record(s.metric as TrendMetric, s.value, s.group, s.atMs);
  else store.count(s.metric as CounterMetric, s.value, s.group, s.atMs);
}

function secondOf(atMs: number): number {
  return Math.max(0, Math.floor((atMs - START) / 1000));
}

/** Independently computed expectations: sample counts per trend cell, sums per counter cell. */
function expectations(samples: Sample[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of samples) {
    const key = `${s.metric}|${s.group}|${secondOf(s.atMs)}`;
    m.set(key, (m.get(key) ?? 0) + (s.kind === 'trend' ? 1 : s.value));
  }
  return m;
}

function histogramView(store: MetricStore, metric: TrendMetric, group: string, t: number): number[] {
  const h = store.histogram(metric, group, t, t);
  return [h.count, h.min, h.max, h.mean, ...[50, 90, 95, 99, 100].map((p) => h.percentile(p))];
}

function assertSameAsExpected(store: MetricStore, reference: MetricStore, expected: Map<string, number>): void {
  assert.deepEqual(store.seconds(), [0, 1, 2, 3, 4]);
  assert.deepEqual(store.groups(), [...GROUPS].sort());
  for (let t = 0; t < SECONDS; t++) {
    for (const group of GROUPS) {
      for (const metric of TRENDS) {
        assert.equal(store.histogram(metric, group, t, t).count, expected.get(`${metric}|${group}|${t}`) ?? 0);
        assert.deepEqual(histogramView(store, metric, group, t), histogramView(reference, metric, group, t));
      }
      for (const metric of COUNTERS) assert.equal(store.counter(metric, group, t, t), expected.get(`${metric}|${group}|${t}`) ?? 0);
    }
  }
}

/** Through JSON, as over IPC. */
function ship(buckets: SerializedBucket[], into: MetricStore): void {
  for (const b of JSON.parse(JSON.stringify(buckets)) as SerializedBucket[]) into.mergeBucket(b);
}

describe('MetricStore', () => {
  it('buckets trends, counters and gauges per second and group', () => {
    const s = new MetricStore(START);
    s.record('e2e_latency_ms', 1, 'voice', START - 50);
    s.record('e2e_latency_ms', 10, 'voice', START + 100);
    s.record('e2e_latency_ms', 20, 'voice', START + 999);
    s.record('e2e_latency_ms', 30, 'video', START + 1000);
    s.record('join_time_ms', 500, 'voice', START + 2500);
    s.count('packets_sent', 5, 'voice', START + 10);
    s.count('packets_sent', 3, 'voice', START + 900);
    s.count('packets_sent', 4, 'video', START + 1500);
    s.gauge('bots_connected', 5, 'voice', START + 100);
    s.gauge('bots_connected', 7, 'voice', START + 900);
    s.gauge('bots_connected', 2, 'video', START + 950);

    assert.deepEqual(s.seconds(), [0, 1, 2]);
    const voice0 = s.histogram('e2e_latency_ms', 'voice', 0, 0);
    assert.deepEqual([voice0.count, voice0.min, voice0.max], [3, 1, 20.015]); // 20 ms sits in a 16 µs wide bucket
    assert.equal(s.histogram('e2e_latency_ms').count, 4);
    assert.equal(s.histogram('e2e_latency_ms', undefined, 1).count, 1);
    assert.equal(s.histogram('e2e_latency_ms', 'video', 0, 0).count, 0);
    assert.equal(s.histogram('join_time_ms', 'voice', 0, 1).count, 0);
    assert.equal(s.histogram('join_time_ms', 'voice', 2, 2).count, 1);

    assert.equal(s.counter('packets_sent'), 12);
    assert.equal(s.counter('packets_sent', 'voice'), 8);
    assert.equal(s.counter('packets_sent', undefined, 1, 1), 4);
    assert.equal(s.counter('packets_received'), 0);

    assert.equal(s.gaugeAt('bots_connected', 0, 'voice'), 7);
    assert.equal(s.gaugeAt('bots_connected', 0), 9);
    assert.equal(s.gaugeAt('bots_connected', 1), undefined);
    assert.equal(s.gaugeAt('bots_connected', 0, 'nope'), undefined);

    assert.deepEqual(s.groups(), ['video', 'voice']);
    assert.deepEqual(s.groups('join_time_ms'), ['voice']);
    assert.deepEqual(s.groups('packets_received'), []);
  });

  it('puts a late sample in its own second, even once that second was compacted', () => {
    const s = new MetricStore(START);
    s.record('e2e_latency_ms', 5, 'voice', START + 100);
    s.record('e2e_latency_ms', 7, 'voice', START + 5100); // second 0 is frozen from here on
    s.record('e2e_latency_ms', 9, 'voice', START + 200); // late: back into second 0
    s.record('e2e_latency_ms', 11, 'voice', START + 9100);
    const h0 = s.histogram('e2e_latency_ms', 'voice', 0, 0);
    assert.deepEqual([h0.count, h0.min, h0.max], [2, 5, 9.007]); // 9 ms sits in an 8 µs wide bucket
    assert.equal(s.histogram('e2e_latency_ms', 'voice', 1, 5).count, 1);
    assert.deepEqual(
      s.takeAll().map((b) => [b.t, Object.keys(b.histograms)]),
      [[0, ['e2e_latency_ms']], [5, ['e2e_latency_ms']], [9, ['e2e_latency_ms']]],
    );
  });

  it('with freeze: false (a fleet process\'s) keeps an old second live, so it ships in the wire encoding, not deflated first', () => {
    const shipped = (freeze: boolean): string => {
      const s = new MetricStore(START, { freeze });
      s.record('e2e_latency_ms', 5, 'voice', START + 100);
      s.record('e2e_latency_ms', 7, 'voice', START + 5100); // a freezing store freezes second 0 here
      return s.takeClosedSeconds(START + 6000, true)[0]!.histograms['e2e_latency_ms']!['voice']!;
    };
    const frozen = shipped(true);
    const live = shipped(false);
    assert.notEqual(live, frozen);
    assert.match(frozen, /^HISTF/, 'frozen: HDR\'s compressed encoding');
    for (const cell of [frozen, live]) {
      const into = new MetricStore(START);
      into.mergeBucket({ t: 0, histograms: { e2e_latency_ms: { voice: cell } }, counters: {}, gauges: {}, events: [] });
      assert.deepEqual([into.histogram('e2e_latency_ms', 'voice').count, into.histogram('e2e_latency_ms', 'voice').min], [1, 5]);
    }
  });

  it('takeClosedSeconds returns and removes only seconds that have ended', () => {
    const s = new MetricStore(START);
    for (const at of [0, 999, 1000, 1999, 2000]) s.count('packets_sent', 1, 'voice', START + at);
    assert.deepEqual(s.takeClosedSeconds(START + 999), []);
    const first = s.takeClosedSeconds(START + 1999);
    assert.deepEqual(first.map((b) => [b.t, b.counters['packets_sent']?.['voice']]), [[0, 2]]);
    assert.deepEqual(s.takeClosedSeconds(START + 1999), []);
    assert.deepEqual(s.seconds(), [1, 2]);
    assert.deepEqual(s.takeClosedSeconds(START + 2000).map((b) => b.t), [1]);
    assert.deepEqual(s.takeAll().map((b) => b.t), [2]);
    assert.deepEqual(s.seconds(), []);
  });

  for (const wire of [false, true])
  it(`two processes shipping deltas${wire ? ' in the wire encoding' : ''} merge into the same store as one fed every sample`, () => {
    const samples = randomSamples(4000, 1234);
    const rnd = seededRandom(99);
    const all = new MetricStore(START);
    const procs = [new MetricStore(START), new MetricStore(START)];
    const coordinator = new MetricStore(START);
    // Each process reports its own connected bots per second; the fleet-wide value is their sum.
    for (let t = 0; t < SECONDS; t++) {
      procs[0]!.gauge('bots_connected', t + 1, 'voice', START + t * 1000 + 999);
      procs[1]!.gauge('bots_connected', 10 * (t + 1), 'voice', START + t * 1000 + 999);
    }
    for (const s of samples) {
      for (const p of procs) ship(p.takeClosedSeconds(s.atMs, wire), coordinator);
      feed(all, s);
      feed(procs[rnd() < 0.5 ? 0 : 1]!, s);
    }
    for (const p of procs) ship(p.takeAll(wire), coordinator);

    assertSameAsExpected(coordinator, all, expectations(samples));
    for (let t = 0; t < SECONDS; t++) assert.equal(coordinator.gaugeAt('bots_connected', t), 11 * (t + 1));
    // What the coordinator writes (journal, report) is HDR's encoding, whatever came in.
    const written = coordinator.toJSON().buckets.flatMap((b) => Object.values(b.histograms).flatMap((byGroup) => Object.values(byGroup)));
    assert.ok(written.length > 0 && written.every((h) => h.startsWith('HISTF')), 'HDR compressed base64 only');
  });

  it('merge() of whole stores equals one store fed every sample', () => {
    const samples = randomSamples(3000, 777);
    const all = new MetricStore(START);
    const a = new MetricStore(START);
    const b = new MetricStore(START);
    samples.forEach((s, i) => {
      feed(all, s);
      feed(i % 3 === 0 ? a : b, s);
    });
    a.gauge('bots_connected', 3, 'voice', START + 10);
    b.gauge('bots_connected', 4, 'voice', START + 20);
    a.merge(b);
    assertSameAsExpected(a, all, expectations(samples));
    assert.equal(a.gaugeAt('bots_connected', 0, 'voice'), 7);
    assert.equal(b.gaugeAt('bots_connected', 0, 'voice'), 4, 'the merged-in store is unchanged');
    assert.throws(() => a.merge(new MetricStore(START + 1)));
  });

  it('round-trips through JSON without losing anything', () => {
    const samples = randomSamples(2000, 5);
    const s = new MetricStore(START);
    for (const x of samples) feed(s, x);
    s.gauge('bots_connected', 12, 'voice', START + 3100);
    s.event({ atMs: 1500, kind: 'chaos', action: 'kill', target: 'sfu-1', ok: true });

    const back = MetricStore.fromJSON(JSON.parse(JSON.stringify(s)) as SerializedStore);
    assert.deepEqual(back.toJSON(), s.toJSON());
    assertSameAsExpected(back, s, expectations(samples));
    assert.equal(back.gaugeAt('bots_connected', 3), 12);
    assert.deepEqual(back.events(), [{ atMs: 1500, kind: 'chaos', action: 'kill', target: 'sfu-1', ok: true }]);
    assert.equal(s.seconds().length, SECONDS, 'toJSON does not remove data');
  });

  it('keeps events per second, ships them, and returns them sorted', () => {
    const a = new MetricStore(START);
    const b = new MetricStore(START);
    a.event({ atMs: 2500, kind: 'chaos', action: 'restart' });
    a.event({ atMs: 300, kind: 'phase', detail: 'ramp' });
    b.event({ atMs: 1200, kind: 'chaos', action: 'partition', ok: false });
    const shipped = a.takeClosedSeconds(START + 1000);
    assert.deepEqual(shipped.map((x) => [x.t, x.events.map((e) => e.atMs)]), [[0, [300]]]);

    const coordinator = new MetricStore(START);
    ship(shipped, coordinator);
    ship(a.takeAll(), coordinator);
    coordinator.merge(b);
    assert.deepEqual(coordinator.events().map((e) => e.atMs), [300, 1200, 2500]);
  });

  it('rejects foreign or malformed buckets whole, and bad samples without leaving traces', () => {
    const s = new MetricStore(START);
    const bucket = (over: Partial<SerializedBucket>): SerializedBucket => ({ t: 0, histograms: {}, counters: {}, gauges: {}, events: [], ...over });
    assert.throws(() => s.mergeBucket(bucket({ counters: { packets_sent: { voice: 5 } }, histograms: { no_such_metric: { voice: 'AAAA' } } })));
    assert.throws(() => s.mergeBucket(bucket({ counters: { bots_connected: { voice: 1 } } })), /not a counter/);
    assert.throws(() => s.mergeBucket(bucket({ t: -1 })), RangeError);
    assert.equal(s.counter('packets_sent'), 0, 'nothing of the rejected bucket was merged');

    assert.throws(() => s.count('packets_sent', -1, 'voice', START), RangeError);
    assert.throws(() => s.record('e2e_latency_ms', Number.NaN, 'voice', START), RangeError);
    assert.throws(() => s.gauge('bots_connected', Infinity, 'voice', START), RangeError);
    assert.deepEqual(s.groups(), []);
  });
});
