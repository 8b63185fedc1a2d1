import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import { DeadlineChecks, SampleDeadline } from '../../bots/sample-deadline.js';

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

  it('the run process\'s own seconds: one whose timer a stall skipped is missing; before the start and the open second are not judged', () => {
    const store = new MetricStore(START);
    const run = new SampleDeadline(store, 'run', 7);
    const missing = (): number[] => [...Array(9).keys()].map((t) => store.counter('harness_seconds_missing', 'run', t, t));
    assert.equal(run.dueNow(START - 2000), undefined, 'before the start: nothing to sample, nothing missing');
    assert.equal(run.dueNow(end(0) + 5), 0);
    assert.equal(run.dueNow(end(0) + 900), undefined, 'sampled already');
    assert.equal(run.dueNow(end(1) - 1), undefined, 'a timer a millisecond early');
    assert.equal(run.dueNow(end(1) + 3), 1);
    // The event loop stalls 2.3 s: the timers of seconds 2 and 3 never ran; the wake-up samples 4.
    assert.equal(run.dueNow(end(4) + 300), 4);
    assert.deepEqual(missing(), [0, 0, 1, 1, 0, 0, 0, 0, 0]);
    assert.ok(store.histogram('harness_report_delay_ms', 'run', 4, 4).max >= 299, 'how late its own sample was');
    // Stopped 400 ms into second 7, with second 6's timer not run yet: 6 is sampled, 7 is still open.
    assert.equal(run.dueNow(end(5) + 10), 5);
    assert.equal(run.dueNow(end(6) + 400), 6);
    assert.deepEqual(missing(), [0, 0, 1, 1, 0, 0, 0, 0, 0]);
    // Long after the run: its last second missing, nothing past it.
    assert.equal(run.dueNow(end(12)), undefined);
    assert.deepEqual(missing(), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });

  it('a check that comes late (the run itself stalled) judges as of when it was due: samples queued meanwhile are not missing', () => {
    const store = new MetricStore(START);
    const deadline = new SampleDeadline(store, 'fleet-0', 9);
    const checks = new DeadlineChecks(() => [deadline], end(0));
    // The run stalls from end(0) + 50 to end(0) + 1600; fleet-0's second 0 came at end(0) + 100 and
    // waits, unread, behind the timers: the check that runs first must not count it missing.
    checks.tick(end(0) + 1600);
    assert.equal(store.counter('harness_seconds_missing', 'fleet-0'), 0);
    deadline.arrived(0, end(0) + 1605);
    checks.tick(end(0) + 1850);
    // A second that never comes is still counted, by the next check on time.
    checks.tick(end(1) + 1000);
    assert.deepEqual([0, 1, 2].map((t) => store.counter('harness_seconds_missing', 'fleet-0', t, t)), [0, 1, 0]);
  });
});
