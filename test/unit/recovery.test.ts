/**
 * A participant's recovery on a manual clock: the retries' backoff doubles up to its cap with
 * seeded jitter (the same seed retries at the same moments), the loop ends when the participant is
 * stopped, and the outage is measured from the last packet before it to the first after.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Recovery } from '../../bots/recovery.js';
import { MetricStore } from '../../core/metrics/store.js';
import { seededRandom } from '../../core/plan/random.js';
import type { RecoverySpec } from '../../core/scenario/index.js';
import { ManualClock } from '../helpers/manual-clock.js';

const spec: RecoverySpec = { mediaTimeoutMs: 2000, gapThresholdMs: 500, backoffInitialMs: 250, backoffMaxMs: 1000 };

function setup(seed = 7): { clock: ManualClock; store: MetricStore; recovery: Recovery } {
  const clock = new ManualClock();
  const store = new MetricStore(clock.now());
  return { clock, store, recovery: new Recovery(spec, seededRandom(seed), store, 'g', 'room-0', clock) };
}

/** When each rejoin was tried (ms since retry() was called); all but the last of `tries` fail. */
async function attempts(clock: ManualClock, recovery: Recovery, tries: number, stopped = (): boolean => false): Promise<{ result: boolean; at: number[] }> {
  const began = clock.now();
  const at: number[] = [];
  const result = await clock.run(
    recovery.retry(stopped, async () => {
      at.push(clock.now() - began);
      if (at.length < tries) throw new Error('node still down');
    }),
  );
  return { result, at };
}

describe('recovery', () => {
  it('backoff doubles from its initial value up to its cap, each wait jittered by a seeded 0.5x-1.5x', async () => {
    const { clock, recovery } = setup();
    const { result, at } = await attempts(clock, recovery, 6);
    assert.equal(result, true);
    const waits = at.map((t, i) => t - (at[i - 1] ?? 0));
    const random = seededRandom(7);
    const bases = [250, 500, 1000, 1000, 1000, 1000];
    assert.equal(waits.length, bases.length);
    for (const [i, base] of bases.entries()) {
      // The same draws as the recovery's; the epoch clock's sums round below a microsecond.
      assert.ok(Math.abs(waits[i]! - base * (0.5 + random())) < 0.001, `wait ${i}: ${waits[i]} ms`);
      assert.ok(waits[i]! >= base * 0.5 && waits[i]! < base * 1.5, `wait ${i}: ${waits[i]} ms`);
    }
  });

  it('the same seed retries at the same moments; another seed at others', async () => {
    const first = setup(7);
    const again = setup(7);
    const other = setup(8);
    const a = await attempts(first.clock, first.recovery, 4);
    assert.deepEqual((await attempts(again.clock, again.recovery, 4)).at, a.at);
    assert.notDeepEqual((await attempts(other.clock, other.recovery, 4)).at, a.at);
  });

  it('ends without another attempt once stopped() says the participant was closed', async () => {
    const { clock, recovery } = setup();
    let closed = false;
    const tried: number[] = [];
    const began = clock.now();
    const retrying = recovery.retry(() => closed, async () => {
      tried.push(clock.now() - began);
      if (tried.length === 2) closed = true;
      throw new Error('node still down');
    });
    assert.equal(await clock.run(retrying), false);
    assert.equal(tried.length, 2);
    assert.equal(clock.pendingTimers, 0);
  });

  it('recovery_time_ms: from the last packet before the failure to the first after, across a second failure', () => {
    const { clock, store, recovery } = setup();
    const t0 = clock.now();
    recovery.failed(t0 + 1200);
    // The rejoined node fails too: counted, but the outage still began at the first failure's last packet.
    recovery.failed(t0 + 3000);
    recovery.mediaBack(t0 + 4700);
    recovery.mediaBack(t0 + 4720);
    const times = store.histogram('recovery_time_ms', 'g');
    assert.equal(times.count, 1);
    assert.ok(Math.abs(times.max - 3500) <= 35, `recovery time ${times.max} ms`);
    assert.equal(store.counter('bot_failures', 'g'), 2);
    assert.equal(store.counter('room_bot_failures', 'room-0'), 2);
  });

  it('an outage with no media before it is counted, but no recovery time is made up', () => {
    const { clock, store, recovery } = setup();
    recovery.failed(Number.NEGATIVE_INFINITY);
    recovery.mediaBack(clock.now() + 900);
    assert.equal(store.histogram('recovery_time_ms', 'g').count, 0);
    assert.equal(store.counter('bot_failures', 'g'), 1);
  });
});
