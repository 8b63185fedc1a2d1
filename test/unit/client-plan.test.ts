/**
 * The client chaos steps (reconnect, churn): the scenario keys and their validation, and the seeded
 * plan of whom each step drops and when churned participants leave and come back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planClients, rejoinGraceMs } from '../../core/plan/client-plan.js';
import { makePlan } from '../../core/plan/plan.js';
import { chaosProblems } from '../../core/scenario/chaos-checks.js';
import { parseScenario } from '../../core/scenario/index.js';
import type { FleetGroup } from '../../core/scenario/types.js';
import { scenarioProblems as problems } from '../helpers/scenario-problems.js';
import { MetricStore } from '../../core/metrics/store.js';
import { StreamReceiver } from '../../bots/stream-receiver.js';

const base = (chaos: string, extraFleet = '') => `name: clients
seed: 7
duration: 40s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 4, size: 40 }
fleet:
  - { engine: werift, name: stage, count: 100, speakers: 4, rampUp: 5s }
  - { engine: werift, name: chatter, count: 20, rampUp: 5s }${extraFleet}
chaos:
${chaos}`;

describe('client chaos steps in the scenario', () => {
  it('parses reconnect and churn with their selectors, churn\'s away defaulting to 3 s', () => {
    const scenario = parseScenario(
      base(`  - { at: 20s, action: reconnect, bots: "30%" }
  - { at: 21s, action: reconnect, group: stage }
  - { at: 22s, action: reconnect, rooms: [3, 0, 3] }
  - { at: 10s, action: churn, for: 8s, rate: 2, group: chatter }
  - { at: 10s, action: churn, for: 8s, rate: 0.5, away: 1500ms, bots: 10% }`),
      'clients.yaml',
    );
    assert.deepEqual(scenario.chaos, [
      { atMs: 20_000, action: 'reconnect', bots: { kind: 'share', ratio: 0.3 } },
      { atMs: 21_000, action: 'reconnect', bots: { kind: 'group', name: 'stage' } },
      { atMs: 22_000, action: 'reconnect', bots: { kind: 'rooms', rooms: [0, 3] } },
      { atMs: 10_000, action: 'churn', bots: { kind: 'group', name: 'chatter' }, forMs: 8000, ratePerS: 2, awayMs: 3000 },
      { atMs: 10_000, action: 'churn', bots: { kind: 'share', ratio: 0.1 }, forMs: 8000, ratePerS: 0.5, awayMs: 1500 },
    ]);
  });

  it('says each problem with its line: the selector, churn\'s `for` and rate, the end of the run', () => {
    const found = problems(
      base(`  - { at: 20s, action: reconnect }
  - { at: 21s, action: reconnect, bots: 10%, group: stage }
  - { at: 10s, action: churn, rate: 2, group: chatter }
  - { at: 10s, action: churn, for: 5s, rate: 0, group: chatter }
  - { at: 10s, action: churn, for: 5s, group: chatter }
  - { at: 30s, action: churn, for: 15s, rate: 1, group: chatter }
  - { at: 41s, action: reconnect, bots: 150% }`),
    );
    assert.deepEqual(found, [
      '10: chaos[0]: must pick bots with exactly one of bots (a share such as "25%"), group (a fleet group name) or rooms (room indices) (got none)',
      '11: chaos[1]: must pick bots with exactly one of bots (a share such as "25%"), group (a fleet group name) or rooms (room indices) (got bots and group)',
      '12: chaos[2].for: is required',
      '13: chaos[3].rate: must be greater than 0 participants a second (got 0)',
      '14: chaos[4].rate: is required: participants leaving per second, e.g. rate: 2',
      '15: chaos[5].for: churn ends at 45s, after the scenario ends at 40s',
      '16: chaos[6].bots: must be a percentage from 0% to 100% such as "2%", or a fraction from 0 to 1 (got "150%")',
    ]);
  });

  it('names an unknown group, a k6 group and a room that does not exist', () => {
    const groups = [
      { engine: 'werift', name: 'stage' },
      { engine: 'browser', name: 'pages' },
      { engine: 'k6', name: 'storm' },
    ] as unknown as FleetGroup[];
    const chaos = [
      { at: '10s', action: 'reconnect', group: 'nobody' },
      { at: '10s', action: 'churn', for: '5s', rate: 1, group: 'storm' },
      { at: '10s', action: 'reconnect', rooms: [1, 4, 5] },
      { at: '10s', action: 'reconnect', group: 'pages' },
    ];
    assert.deepEqual(
      chaosProblems(chaos, 60_000, undefined, { groups, roomCount: 4 }).map((p) => `${p.path.join('.')}: ${p.message}`),
      [
        'chaos.0.group: no fleet group "nobody"; groups with participants: stage, pages',
        'chaos.1.group: "storm" is a k6 group, which has no media participants to churn; groups with participants: stage, pages',
        'chaos.2.rooms: no room 4, 5: rooms are 0 … 3 (rooms.count 4)',
      ],
    );
    const onlyK6 = [{ engine: 'k6', name: 'storm' }] as unknown as FleetGroup[];
    assert.deepEqual(
      chaosProblems([{ at: '1s', action: 'reconnect', bots: '50%' }], 60_000, undefined, { groups: onlyK6, roomCount: 4 }).map((p) => p.message),
      ['reconnect acts on werift bots and browsers, and the fleet has neither (k6 groups have no media participants)'],
    );
  });
});

describe('the client plan', () => {
  const scenario = parseScenario(
    base(`  - { at: 20s, action: reconnect, bots: "30%" }
  - { at: 10s, action: churn, for: 8s, rate: 2, group: chatter }
  - { at: 25s, action: reconnect, rooms: [1] }
  - { at: 2s, action: churn, for: 10s, rate: 4, away: 3s, group: chatter }`),
    'clients.yaml',
  );
  const plan = makePlan(scenario);

  it('a share picks exactly that many distinct participants, seeded: the same every time, another seed others', () => {
    const { reconnects } = planClients(scenario, plan);
    const picked = reconnects.get(0)!;
    assert.equal(picked.length, 36, '30% of 120');
    assert.equal(new Set(picked).size, 36);
    assert.deepEqual(picked, [...picked].sort((a, b) => a - b), 'listed ascending');
    assert.deepEqual(planClients(scenario, plan).reconnects.get(0), picked);
    const other = parseScenario(base('  - { at: 20s, action: reconnect, bots: "30%" }').replace('seed: 7', 'seed: 8'), 'clients.yaml');
    assert.notDeepEqual(planClients(other).reconnects.get(0), picked);
    assert.deepEqual(reconnects.get(2), plan.bots.filter((b) => b.room === 1).map((b) => b.id));
  });

  it('adding a step changes no other step\'s picks', () => {
    const alone = parseScenario(base('  - { at: 20s, action: reconnect, bots: "30%" }'), 'clients.yaml');
    assert.deepEqual(planClients(alone).reconnects.get(0), planClients(scenario, plan).reconnects.get(0));
  });

  it('churn leaves at its rate over its period, among its group, each back `away` later, nobody leaving again while away (or just back)', () => {
    const leaves = planClients(scenario, plan).churns.get(1)!;
    assert.equal(leaves.length, 16, '2/s for 8 s');
    assert.deepEqual(leaves.map((l) => l.atMs), [...Array(16).keys()].map((k) => 10_000 + k * 500));
    const chatter = new Set(plan.bots.filter((b) => b.group === 'chatter').map((b) => b.id));
    for (const leave of leaves) {
      assert.ok(chatter.has(leave.botId), `bot-${leave.botId} is in chatter`);
      assert.equal(leave.rejoinAtMs, leave.atMs + 3000);
    }
    const byBot = new Map<number, typeof leaves>();
    for (const leave of leaves) byBot.set(leave.botId, [...(byBot.get(leave.botId) ?? []), leave]);
    for (const [bot, own] of byBot) {
      for (let i = 1; i < own.length; i++) assert.ok(own[i]!.atMs >= own[i - 1]!.rejoinAtMs + rejoinGraceMs, `bot-${bot} left at ${own[i]!.atMs}, away until ${own[i - 1]!.rejoinAtMs} (and its rejoin's grace)`);
    }
    assert.deepEqual(planClients(scenario, plan).churns.get(1), leaves, 'seeded');
  });

  it('a participant leaves only once it is due to have joined, and a moment when everyone is away has no leave', () => {
    const leaves = planClients(scenario, plan).churns.get(3)!;
    const joinAt = new Map(plan.bots.map((b) => [b.id, b.joinAtMs]));
    for (const leave of leaves) assert.ok(joinAt.get(leave.botId)! <= leave.atMs);
    // 4/s, away 3 s and 1 s of grace: at most 16 of the 20 are out at once, so every moment has someone left to go.
    assert.equal(leaves.length, 40);
    const tight = parseScenario(base('  - { at: 10s, action: churn, for: 5s, rate: 10, away: 6s, rooms: [0] }').replace('count: 20, rampUp: 5s', 'count: 4, rampUp: 5s').replace('count: 100, speakers: 4', 'count: 4, speakers: 1'), 'clients.yaml');
    const few = planClients(tight).churns.get(0)!;
    const inRoom = makePlan(tight).bots.filter((b) => b.room === 0).length;
    assert.equal(few.length, inRoom, 'each leaves once: none is back before the period ends');
  });
});

describe('a participant away is not loss', () => {
  function receiver(): { store: MetricStore; rx: StreamReceiver; packet: (seq: number, atMs: number, ssrc: number) => void } {
    const store = new MetricStore(0);
    const rx = new StreamReceiver({ store, group: 'g', room: 'room-0', clockRateHz: 48000, gapThresholdMs: 500 });
    const packet = (seq: number, atMs: number, ssrc: number): void => rx.onStamp({ senderId: 7, seq, sentAtMs: atMs - 10 }, seq * 960, atMs, ssrc);
    return { store, rx, packet };
  }

  it('a speaker whose stream the target ended comes back as a new stream: what it did not deliver meanwhile is neither lost nor a gap', () => {
    const { store, rx, packet } = receiver();
    for (let seq = 0; seq < 10; seq++) packet(seq, 100 + seq * 20, 111);
    rx.streamEnded(111);
    packet(8, 400, 111); // a straggler of the ended stream: not counted again
    // Back 3 s later; its first packets (10-14) went out before this listener consumed it.
    for (let seq = 15; seq < 21; seq++) packet(seq, 3400 + seq * 20, 222);
    rx.sampleSecond(3900);
    assert.equal(store.counter('packets_received', 'g'), 16);
    assert.equal(store.counter('packets_expected', 'g'), 16);
    assert.equal(store.histogram('media_gap_ms', 'g').count, 0);
  });

  it('without the target ending it, the same silence is loss and a gap, as for a failed node', () => {
    const { store, rx, packet } = receiver();
    for (let seq = 0; seq < 10; seq++) packet(seq, 100 + seq * 20, 111);
    for (let seq = 15; seq < 21; seq++) packet(seq, 3400 + seq * 20, 111);
    rx.sampleSecond(3900);
    assert.equal(store.counter('packets_expected', 'g'), 21);
    assert.equal(store.histogram('media_gap_ms', 'g').count, 1);
  });

  it('a participant that left itself starts every stream anew when back', () => {
    const { store, rx, packet } = receiver();
    for (let seq = 0; seq < 10; seq++) packet(seq, 100 + seq * 20, 111);
    rx.endAll();
    for (let seq = 160; seq < 170; seq++) packet(seq, 3400 + seq * 20, 111);
    rx.sampleSecond(7000);
    assert.equal(store.counter('packets_expected', 'g'), 20);
    assert.equal(store.counter('packets_received', 'g'), 20);
  });
});
