import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../core/paths.js';
import { MetricStore } from '../../core/metrics/store.js';
import { makePlan } from '../../core/plan/plan.js';
import { parseScenario } from '../../core/scenario/index.js';
import { parseListenAddress, parsePushUrl } from '../../reports/prometheus/addresses.js';
import { PrometheusExporter } from '../../reports/prometheus/exporter.js';
import { LiveMetrics } from '../../reports/prometheus/live-metrics.js';
import { liveRegistry, openMetricsContentType, prometheusTextContentType } from '../../reports/prometheus/registry.js';
import { seededReport } from '../helpers/seeded-report.js';

const report = seededReport({ seed: 1, seconds: 4, packetsPerSecond: 500, events: [{ atMs: 1500, kind: 'chaos', action: 'kill', target: 'sfu-1', ok: true }] });
const store = MetricStore.fromJSON(report.raw);

function sampleValue(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  assert.ok(line, `${name}{${labels}} in\n${text}`);
  return Number(line.split(' ').at(-1));
}

describe('live metrics', () => {
  it('read the store up to a second, and all of it at the end', async () => {
    const live = new LiveMetrics({ name: 'seeded', seed: 1 });
    const text = liveRegistry(live, prometheusTextContentType);
    live.update(store, 1);
    const early = await text.metrics();
    assert.equal(sampleValue(early, 'rtcstorm_packets_received_total', 'group="voice"'), 1000);
    assert.equal(sampleValue(early, 'rtcstorm_e2e_latency_seconds_count', 'group="voice"'), 1000);
    live.update(store, Infinity);
    const all = await text.metrics();
    assert.equal(sampleValue(all, 'rtcstorm_packets_received_total', 'group="voice"'), report.packets.received);
    assert.equal(sampleValue(all, 'rtcstorm_bots_connected', 'group="voice"'), 8);
    assert.equal(sampleValue(all, 'rtcstorm_events_total', 'kind="chaos"'), 1);
  });

  it('show the step a capacity search is at', async () => {
    const scenario = parseScenario(
      'name: search\nrooms: { count: 1, size: 4 }\nfleet:\n  - { engine: werift, count: 4 }\ncapacity: { start: { rooms: 1 }, grow: { rooms: 2 }, max: { rooms: 5 }, ramp: 1s, hold: 3s, slo: { e2e_latency_ms: ["p(99)<100"] } }\n',
      'search.yaml',
    );
    const live = new LiveMetrics({ name: 'search', seed: 1 });
    const text = liveRegistry(live, prometheusTextContentType);
    const context = { scenario, plan: makePlan(scenario), store: new MetricStore(0), machine: () => null };
    live.judge(context, 2);
    assert.match(await text.metrics(), /^rtcstorm_capacity_step 0$/m);
    // Second 4 is the first of step 1 (3 rooms, 12 bots).
    live.judge(context, 4);
    const metrics = await text.metrics();
    assert.match(metrics, /^rtcstorm_capacity_step 1$/m);
    assert.match(metrics, /^rtcstorm_capacity_step_bots 12$/m);
    assert.match(metrics, /^rtcstorm_capacity_step_rooms 3$/m);
  });

  it('judge the run live with the report\'s harness checks: valid while they hold, invalid for good once one failed', async () => {
    const scenario = parseScenario(report.scenario.source, 'seeded.yaml');
    const live = new LiveMetrics({ name: 'seeded', seed: 1 });
    const text = liveRegistry(live, prometheusTextContentType);
    const context = { scenario, plan: makePlan(scenario), store: MetricStore.fromJSON(report.raw), machine: () => null };
    live.update(context.store, 3);
    live.judge(context, 3);
    assert.match(await text.metrics(), /^rtcstorm_harness_valid 1$/m);
    assert.equal(sampleValue(await text.metrics(), 'rtcstorm_join_backlog', 'group="voice"'), 0);
    // fleet-0's samples of seconds 0 to 4 never reached the run: a spell of sustainedFor (5 s).
    for (let t = 0; t < 5; t++) context.store.count('harness_seconds_missing', 1, 'fleet-0', context.store.startMs + t * 1000 + 500);
    live.update(context.store, 4);
    live.judge(context, 4);
    const after = await text.metrics();
    assert.match(after, /^rtcstorm_harness_valid 0$/m);
    assert.equal(sampleValue(after, 'rtcstorm_harness_seconds_missing_total', 'process="fleet-0"'), 5);
    live.judged(true);
    assert.match(await text.metrics(), /^rtcstorm_harness_valid 0$/m);
  });

  it('histogram buckets are cumulative counts from the HDR histogram, ending at the sample count', async () => {
    const live = new LiveMetrics({ name: 'seeded', seed: 1 });
    live.update(store, Infinity);
    const text = await liveRegistry(live, openMetricsContentType).metrics();
    const buckets = [...text.matchAll(/^rtcstorm_e2e_latency_seconds_bucket\{group="voice",le="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    assert.equal(buckets.length, 11);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]![1] >= buckets[i - 1]![1], JSON.stringify(buckets));
    assert.deepEqual(buckets.at(-1), ['+Inf', report.metrics.e2e_latency_ms!.count]);
    // Median latency is 20 ms: half the samples lie at or below the 0.02 s bucket, none below 0.005 s.
    const at = (le: string): number => buckets.find(([l]) => l === le)![1];
    assert.ok(Math.abs(at('0.02') / report.metrics.e2e_latency_ms!.count - 0.5) < 0.05, String(at('0.02')));
    assert.equal(at('0.005'), 0);
    assert.match(text, /# EOF\n$/);
  });

  it('pushes the Prometheus text format to a Pushgateway at the end of the run', async () => {
    const received: Array<{ method: string; url: string; body: string }> = [];
    const gateway = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, body });
        res.end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
      const exporter = await PrometheusExporter.start({ scenario: { name: 'seeded', seed: 1 }, pushUrl: url, pushIntervalMs: 60_000 });
      exporter.onStart({ store });
      await exporter.onEnd(report);
      await exporter.close();
      assert.equal(received.length, 1);
      assert.equal(received[0]!.method, 'PUT');
      assert.equal(received[0]!.url, '/metrics/job/rtcstorm/scenario/seeded');
      assert.equal(sampleValue(received[0]!.body, 'rtcstorm_packets_sent_total', 'group="voice"'), report.packets.sent);
      assert.doesNotMatch(received[0]!.body, /# EOF/);
    } finally {
      gateway.close();
    }
  });

  it('the shipped Grafana dashboard queries only series the exporter exposes', async () => {
    const live = new LiveMetrics({ name: 'seeded', seed: 1 });
    live.update(store, Infinity);
    const text = await liveRegistry(live, openMetricsContentType).metrics();
    const exposed = new Set<string>();
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const suffixes = type === 'counter' ? ['_total'] : type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
      for (const suffix of suffixes) exposed.add(name! + suffix);
    }
    const dashboard = readFileSync(join(packageRoot, 'reports/grafana/rtcstorm-dashboard.json'), 'utf8');
    const queried = new Set(dashboard.match(/rtcstorm_[a-z0-9_]+/g));
    assert.ok(queried.size >= 10, [...queried].join(', '));
    assert.deepEqual([...queried].filter((name) => !exposed.has(name)), []);
  });

  it('addresses stay on loopback unless allowed', () => {
    assert.deepEqual(parseListenAddress(':9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.throws(() => parseListenAddress('0.0.0.0:9464'), /not loopback.*--allow-non-loopback/);
    assert.deepEqual(parseListenAddress('0.0.0.0:9464', true), { host: '0.0.0.0', port: 9464 });
    assert.throws(() => parseListenAddress('9464'), /invalid listen address/);
    assert.equal(parsePushUrl('http://localhost:9091'), 'http://localhost:9091/');
    assert.throws(() => parsePushUrl('http://10.0.0.1:9091'), /not loopback/);
    assert.throws(() => parsePushUrl('ftp://127.0.0.1'), /invalid Pushgateway URL/);
  });
});
