/** k6's JSON output (fixtures written per k6's documented line format) merged into a MetricStore. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { K6OutputError, importK6Output, parseK6Line } from '../../bots/k6/k6-output.js';
import { aggregate } from '../../core/metrics/aggregate.js';
import { MetricStore } from '../../core/metrics/store.js';
import { packageRoot } from '../../core/paths.js';

const fixture = (name: string): string => join(packageRoot, 'test/fixtures/k6', name);
const START = Date.parse('2025-03-04T10:00:00Z');
const groups = new Set(['joins', 'flaps']);

describe('parseK6Line', () => {
  it('reads a Point: metric, time with nanoseconds to ms, value, tags', () => {
    const line = '{"type":"Point","data":{"time":"2017-05-09T14:34:45.625742514+02:00","value":459.865729,"tags":{"scenario":"s","status":200}},"metric":"signalling_rtt_ms"}';
    assert.deepEqual(parseK6Line(line), { metric: 'signalling_rtt_ms', atMs: Date.parse('2017-05-09T12:34:45.625Z'), value: 459.865729, tags: { scenario: 's', status: '200' } });
  });

  it('reads a Point without tags', () => {
    assert.deepEqual(parseK6Line('{"type":"Point","data":{"time":"2017-05-09T14:34:45Z","value":5,"tags":null},"metric":"vus"}')?.tags, {});
  });

  it('skips metric declarations and blank lines', () => {
    assert.equal(parseK6Line('{"type":"Metric","data":{"type":"gauge","contains":"default","tainted":null,"thresholds":[],"submetrics":null},"metric":"vus"}'), undefined);
    assert.equal(parseK6Line('  '), undefined);
  });

  it('rejects lines that are not JSON or Points without a time or value', () => {
    assert.throws(() => parseK6Line('{"type":"Point","data":{"ti'), K6OutputError);
    assert.throws(() => parseK6Line('{"type":"Point","data":{"time":"yesterday","value":1},"metric":"checks"}'), /without a valid time and value/);
    assert.throws(() => parseK6Line('{"type":"Point","data":{"time":"2017-05-09T14:34:45Z","value":"1"},"metric":"checks"}'), /without a valid time and value/);
  });
});

describe('importK6Output', () => {
  it('keeps rtcstorm metrics of the run’s k6 groups, by group and second', async () => {
    const store = new MetricStore(START);
    // 10 samples of group joins, 4 of flaps; k6 built-ins and other scenarios are left out.
    assert.equal(await importK6Output(fixture('output.json'), store, groups), 14);
    assert.deepEqual(store.groups(), ['flaps', 'joins']);

    const joinsRtt = store.histogram('signalling_rtt_ms', 'joins');
    assert.equal(joinsRtt.count, 4);
    assert.ok(Math.abs(joinsRtt.min - 0.75) < 0.001 && Math.abs(joinsRtt.max - 2.5) < 0.003, `min ${joinsRtt.min} max ${joinsRtt.max}`);
    // The leave reply was written with a +01:00 offset: it belongs to second 1, the rest to second 0.
    assert.equal(store.histogram('signalling_rtt_ms', 'joins', 0, 0).count, 3);
    assert.equal(store.histogram('signalling_rtt_ms', 'joins', 1, 1).count, 1);
    assert.equal(store.histogram('signalling_rtt_ms', 'flaps').count, 1);
    assert.equal(store.histogram('join_ack_ms').count, 2);

    assert.equal(store.counter('k6_checks_total', 'joins'), 5);
    assert.equal(store.counter('k6_checks_passed', 'joins'), 5);
    assert.equal(store.counter('k6_checks_total', 'flaps'), 2);
    assert.equal(store.counter('k6_checks_passed', 'flaps'), 1);
  });

  it('makes thresholds work on the k6 metrics', async () => {
    const store = new MetricStore(START);
    await importK6Output(fixture('output.json'), store, groups);
    const scope = { durationMs: 3000 };
    assert.equal(aggregate(store, 'k6_checks_rate', scope, 'rate'), 6 / 7);
    assert.equal(aggregate(store, 'k6_checks_rate', { ...scope, group: 'joins' }, 'value'), 1);
    assert.equal(aggregate(store, 'signalling_rtt_ms', scope, 'count'), 5);
    assert.ok(Math.abs(aggregate(store, 'join_ack_ms', scope, 'max')! - 6) < 0.01);
  });

  it('has no k6_checks_rate without checks', () => {
    assert.equal(aggregate(new MetricStore(START), 'k6_checks_rate', { durationMs: 1000 }, 'rate'), undefined);
  });

  it('ignores a last line cut off by a killed k6', async () => {
    assert.equal(await importK6Output(fixture('output-cut-off.json'), new MetricStore(START), groups), 14);
  });

  it('rejects a bad line before the end', async () => {
    await assert.rejects(importK6Output(fixture('output-bad-line.json'), new MetricStore(START), groups), K6OutputError);
  });
});
