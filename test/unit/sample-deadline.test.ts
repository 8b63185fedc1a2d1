import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import { SampleDeadline } from '../../bots/sample-deadline.js';

const START = 1_700_000_000_000;
const end = (t: number): number => START + (t + 1) * 1000;

describe('sample deadline', () => {
  it('times each second\'s samples and counts those not in within a second as missing', () => {
    const store = new MetricStore(START);
    const deadline = new SampleDeadline(store, 'fleet-0', 9);
    deadline.arrived(0, end(0) + 12);
    deadline.arrived(1, end(1) + 40);
    // Second 2 never comes; second 3 comes 1.5 s late, after the run counted it missing.
    deadline.check(end(2) + 999);
    assert.equal(store.counter('harness_seconds_missing', 'fleet-0'), 0, 'second 2 is not due yet');
    deadline.check(end(3) + 1000);
    assert.equal(store.counter('harness_seconds_missing', 'fleet-0', 2, 2), 1);
    assert.equal(store.counter('harness_seconds_missing', 'fleet-0', 3, 3), 1);
    deadline.arrived(3, end(3) + 1500);
    assert.equal(store.counter('harness_seconds_missing', 'fleet-0', 3, 3), 1, 'counted once');
    assert.equal(store.histogram('harness_report_delay_ms', 'fleet-0', 3, 3).max > 1400, true, 'its delay is still recorded');
    assert.equal(Math.round(store.histogram('harness_report_delay_ms', 'fleet-0', 1, 1).max), 40);
    // A process that is done: what it never sent is missing, whatever the time; nothing past upTo.
    deadline.arrived(4, end(4) + 5);
    deadline.finish(6);
    assert.deepEqual([4, 5, 6, 7].map((t) => store.counter('harness_seconds_missing', 'fleet-0', t, t)), [0, 1, 1, 0]);
    // Seconds outside the run are ignored.
    deadline.arrived(42, end(42));
    assert.equal(store.histogram('harness_report_delay_ms', 'fleet-0', 42, 42).count, 0);
  });
});
