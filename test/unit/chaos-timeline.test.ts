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
import type { ClientChaos } from '../../chaos/client-actions.js';
import type { ClientChange } from '../../ports/client-control.js';

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

describe('chaos timeline: client steps (reconnect, churn)', () => {
  const steps: ChaosStep[] = [
    { atMs: 2000, action: 'reconnect', bots: { kind: 'share', ratio: 0.3 } },
    { atMs: 1000, action: 'churn', bots: { kind: 'group', name: 'chatter' }, forMs: 3000, ratePerS: 1, awayMs: 1500 },
  ];
  const plan: ClientChaos['plan'] = {
    reconnects: new Map([[0, [3, 17, 20, 21, 22, 23, 24, 25, 26, 40]]]),
    churns: new Map([[1, [{ atMs: 1000, botId: 5, rejoinAtMs: 2500 }, { atMs: 2000, botId: 6, rejoinAtMs: 3500 }, { atMs: 3000, botId: 5, rejoinAtMs: 4500 }]]]),
  };

  function clientSetup(mode: 'execute' | 'observe', engines = 2): { clock: ManualClock; store: MetricStore; timeline: ChaosTimeline; sent: Array<[number, number, ClientChange]> } {
    const clock = new ManualClock();
    const store = new MetricStore(clock.now());
    const sent: Array<[number, number, ClientChange]> = [];
    const controls = [...Array(engines).keys()].map((engine) => ({ apply: async (change: ClientChange) => void sent.push([engine, clock.now() - store.startMs, change]) }));
    const name = (id: number): string => (id === 40 ? `browser-${id}` : `bot-${id}`);
    const timeline = new ChaosTimeline(steps, fakeTarget(clock, store.startMs, []), store, 1, undefined, mode, clock, { plan, controls, name });
    return { clock, store, timeline, sent };
  }

  it('sends each step to every engine with participants at its time; a reconnect is one event, a churn lasts its `for:` and ends with its leaves', async () => {
    const { clock, store, timeline, sent } = clientSetup('execute');
    timeline.start();
    await clock.advance(999);
    assert.deepEqual(sent, []);
    await clock.advance(10_000);
    const churn: ClientChange = { kind: 'churn', id: 'chaos[1]', leaves: plan.churns.get(1)! };
    const reconnect: ClientChange = { kind: 'reconnect', id: 'chaos[0]', bots: plan.reconnects.get(0)! };
    assert.deepEqual(sent, [[0, 1000, churn], [1, 1000, churn], [0, 2000, reconnect], [1, 2000, reconnect]]);
    assert.deepEqual(events(store), [['chaos', 1000, 'group chatter', true], ['chaos', 2000, '30% of participants', true], ['chaos-end', 4000, 'group chatter', true]]);
    const [started, dropped, ended] = store.events();
    assert.equal(started?.durationMs, 3000);
    assert.equal(started?.detail, '3 leave(s) of 2 participant(s) at 1/s for 3s, each away 1s500ms: bot-5, bot-6, bot-5');
    assert.equal(dropped?.detail, '10 participant(s) dropped signalling and media: bot-3, bot-17, bot-20, bot-21, bot-22, bot-23, bot-24, bot-25, …; they rejoin with their backoff');
    assert.equal(dropped?.durationMs, undefined);
    assert.equal(ended?.detail, 'churn over: 3 leave(s), each followed by a rejoin 1s500ms later');
    await timeline.stop();
  });

  it('a churn the run stops early ends then, saying how far it got', async () => {
    const { clock, store, timeline } = clientSetup('execute');
    timeline.start();
    await clock.advance(2500);
    await timeline.stop();
    assert.deepEqual(events(store).map(([kind, atMs]) => [kind, atMs]), [['chaos', 1000], ['chaos', 2000], ['chaos-end', 2500]]);
    assert.equal(store.events()[2]?.detail, 'churn stopped after 2 of 3 leave(s)');
  });

  it('in a shard other than 0 the steps act on the shard\'s own participants: executed, not only observed', async () => {
    const { clock, store, timeline, sent } = clientSetup('observe', 1);
    timeline.start();
    await clock.advance(5000);
    assert.equal(sent.length, 2);
    assert.deepEqual(events(store).map(([kind]) => kind), ['chaos', 'chaos', 'chaos-end']);
    await timeline.stop();
  });

  it('without an engine whose participants take them, the step fails with an event saying so', async () => {
    const { clock, store, timeline } = clientSetup('execute', 0);
    timeline.start();
    await clock.advance(5000);
    assert.deepEqual(events(store), [['chaos', 1000, 'group chatter', false], ['chaos', 2000, '30% of participants', false]]);
    assert.equal(store.events()[0]?.detail, 'churn needs werift bots or browsers, and none are running');
    await timeline.stop();
  });
});
