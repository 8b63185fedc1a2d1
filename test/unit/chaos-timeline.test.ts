/**
 * The chaos timeline on a manual clock against a fake target that logs what it is asked and when:
 * steps run at their times, a step that lasts is undone after its `for:`, and stop() cancels what
 * is not yet due and undoes what is still in effect.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChaosTimeline } from '../../chaos/timeline.js';
import { MetricStore } from '../../core/metrics/store.js';
import type { ChaosStep } from '../../core/scenario/index.js';
import type { Target } from '../../ports/target-control.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { fakeTarget as sharedFakeTarget } from '../helpers/fake-target.js';

/** What the target was asked, with the time since the run's start. */
type Calls = Array<[string, number]>;

function fakeTarget(clock: ManualClock, startMs: number, calls: Calls, slowMs = 0): Target {
  return sharedFakeTarget({
    nodeIds: ['node-0', 'node-1'],
    act: async (what, node) => {
      calls.push([`${what} ${node}`, clock.now() - startMs]);
      if (slowMs > 0) await clock.sleep(slowMs);
    },
  });
}

function setup(steps: ChaosStep[], options: { slowMs?: number; mode?: 'execute' | 'observe' } = {}): { clock: ManualClock; calls: Calls; store: MetricStore; timeline: ChaosTimeline } {
  const clock = new ManualClock();
  const store = new MetricStore(clock.now());
  const calls: Calls = [];
  const timeline = new ChaosTimeline(steps, fakeTarget(clock, store.startMs, calls, options.slowMs), store, 1, undefined, options.mode ?? 'execute', clock);
  return { clock, calls, store, timeline };
}

const events = (store: MetricStore): Array<[string, number, string | undefined, boolean | undefined]> => store.events().map((e) => [e.kind, e.atMs, e.target, e.ok]);

describe('chaos timeline', () => {
  it('runs each step at exactly its time, in order, each an event at that time', async () => {
    const { clock, calls, store, timeline } = setup([
      { atMs: 2500, action: 'restart-node', target: 'node-1' },
      { atMs: 1000, action: 'kill-node', target: 'node-0' },
    ]);
    timeline.start();
    await clock.advance(999);
    assert.deepEqual(calls, [], 'nothing before its time');
    await clock.advance(3000);
    assert.deepEqual(calls, [['kill node-0', 1000], ['restart node-1', 2500]]);
    assert.deepEqual(events(store), [['chaos', 1000, 'node-0', true], ['chaos', 2500, 'node-1', true]]);
    await timeline.stop();
  });

  it('a step that lasts is undone after its `for:`, with an end event then', async () => {
    const { clock, calls, store, timeline } = setup([{ atMs: 500, action: 'pause-node', target: 'node-0', forMs: 1500 }]);
    timeline.start();
    await clock.advance(5000);
    assert.deepEqual(calls, [['pause node-0', 500], ['resume node-0', 2000]]);
    assert.deepEqual(events(store), [['chaos', 500, 'node-0', true], ['chaos-end', 2000, 'node-0', true]]);
    assert.equal(store.events()[0]?.durationMs, 1500);
    await timeline.stop();
    assert.equal(calls.length, 2, 'stop() does not undo it twice');
  });

  it('stop() cancels the steps not yet due and undoes what is still in effect', async () => {
    const { clock, calls, store, timeline } = setup([
      { atMs: 1000, action: 'pause-node', target: 'node-0', forMs: 10_000 },
      { atMs: 5000, action: 'kill-node', target: 'node-1' },
    ]);
    timeline.start();
    await clock.advance(2000);
    await timeline.stop();
    assert.deepEqual(calls, [['pause node-0', 1000], ['resume node-0', 2000]]);
    assert.equal(clock.pendingTimers, 0, 'neither the kill nor the end of the pause is still due');
    await clock.advance(20_000);
    assert.deepEqual(calls.length, 2);
    assert.deepEqual(events(store), [['chaos', 1000, 'node-0', true], ['chaos-end', 2000, 'node-0', true]]);
  });

  it('stop() waits for a step under way, then undoes it', async () => {
    const { clock, calls, store, timeline } = setup([{ atMs: 1000, action: 'pause-node', target: 'node-0', forMs: 10_000 }], { slowMs: 300 });
    timeline.start();
    await clock.advance(1100);
    let stopped = false;
    const stopping = timeline.stop().then(() => void (stopped = true));
    await clock.advance(100);
    assert.equal(stopped, false, 'the pause is still under way');
    await clock.run(stopping);
    // The pause answered at 1300; the resume began then and took its 300 ms too.
    assert.deepEqual(calls, [['pause node-0', 1000], ['resume node-0', 1300]]);
    assert.equal(clock.now(), store.startMs + 1600);
    assert.equal(clock.pendingTimers, 0, 'the end of its `for:`, armed while stop() waited, is cancelled too');
    await clock.advance(20_000);
    assert.equal(calls.length, 2, 'resumed once');
  });

  it('in a shard other than 0, a process step is only recorded, at its time', async () => {
    const { clock, calls, store, timeline } = setup([{ atMs: 750, action: 'kill-node', target: 'node-0' }], { mode: 'observe' });
    timeline.start();
    await clock.advance(1000);
    assert.deepEqual(calls, []);
    assert.deepEqual(events(store), [['chaos-observed', 750, 'node-0', undefined]]);
    await timeline.stop();
  });
});
