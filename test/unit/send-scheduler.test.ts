import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SendScheduler } from '../../bots/fleet/send-scheduler.js';


function recorder(): { sendPacket(): void; skipPackets(n: number): void; at: number[]; skipped: number } {
  const at: number[] = [];
  const r = { at, skipped: 0, sendPacket: () => void at.push(performance.now()), skipPackets: (n: number) => void (r.skipped += n) };
  return r;
}

describe('send scheduler', () => {
  it('sends each bot once per packet time, the bots spread over it rather than in one burst', async () => {
    const scheduler = new SendScheduler(20);
    const senders = Array.from({ length: 40 }, recorder);
    for (const s of senders) scheduler.add(s);
    scheduler.start();
    await sleep(410);
    scheduler.stop();
    const counts = senders.map((s) => s.at.length);
    assert.ok(Math.min(...counts) >= 18 && Math.max(...counts) <= 22, `packets per bot in 410 ms at 20 ms: ${counts.join(',')}`);
    // The period between a bot's sends: the median over every bot, since a tick the machine delays
    // (a shared CI host) shortens the next interval by as much as it lengthened this one.
    const intervals = senders.flatMap((s) => s.at.slice(1).map((t, i) => t - s.at[i]!)).sort((a, b) => a - b);
    const period = intervals[intervals.length >> 1]!;
    assert.ok(Math.abs(period - 20) < 1.5, `median period ${period.toFixed(2)} ms`);
    // Bots k and k+20 share a slot; bots of other slots send at other moments of the period.
    const offsets = senders.slice(0, 20).map((s) => (((s.at[3]! - senders[0]!.at[3]!) % 20) + 20) % 20);
    assert.ok(new Set(offsets.map((o) => Math.round(o))).size >= 10, `send offsets within the period: ${offsets.map((o) => o.toFixed(1)).join(',')}`);
  });

  it('after a stall sends what one packet time owes, not every tick it missed', async () => {
    const scheduler = new SendScheduler(20);
    const sender = recorder();
    scheduler.add(sender);
    scheduler.start();
    await sleep(50);
    const before = sender.at.length;
    const until = performance.now() + 200;
    while (performance.now() < until); // the event loop is blocked for 10 packet times
    await sleep(5);
    scheduler.stop();
    assert.ok(sender.at.length - before <= 2, `packets sent right after the stall: ${sender.at.length - before}`);
    // What the stall cost is counted: 200 ms is 10 packet times, of which the catch-up sent one.
    assert.ok(sender.skipped >= 8 && sender.skipped <= 11, `packets skipped: ${sender.skipped}`);
  });

  it('tells each sender of a stall how many of its own turns it skipped', async () => {
    const scheduler = new SendScheduler(10);
    const senders = Array.from({ length: 5 }, recorder);
    for (const s of senders) scheduler.add(s);
    const startedAt = performance.now();
    scheduler.start();
    await sleep(20);
    const until = performance.now() + 300;
    while (performance.now() < until); // 30 packet times
    await sleep(30);
    scheduler.stop();
    const elapsedTurns = (performance.now() - startedAt) / 10;
    for (const s of senders) {
      assert.ok(s.skipped >= 26 && s.skipped <= 31, `skipped ${s.skipped}`);
      // Every turn is either sent or skipped, never both and never lost.
      assert.ok(Math.abs(s.at.length + s.skipped - elapsedTurns) <= 4, `sent ${s.at.length} + skipped ${s.skipped} vs ${elapsedTurns} turns`);
    }
  });

  it('started with the run\'s 0, its turns are the run\'s packet times: a sender hears which one, consecutively, as the run clock says', async () => {
    const scheduler = new SendScheduler(20);
    const turns: Array<{ turn: number; runMs: number }> = [];
    const runStartMs = Date.now() - 1000;
    scheduler.add({ sendPacket: (turn) => void turns.push({ turn, runMs: Date.now() - runStartMs }), skipPackets: () => undefined });
    scheduler.start(runStartMs);
    await sleep(200);
    scheduler.stop();
    assert.ok(turns.length >= 8, `${turns.length} turns in 200 ms`);
    // A second into the run, at 20 ms a turn: turn 50 onwards, one after another, each at its own 20 ms of the run.
    assert.ok(turns[0]!.turn >= 50 && turns[0]!.turn <= 53, `first turn ${turns[0]!.turn}`);
    assert.deepEqual(turns.map((t) => t.turn - turns[0]!.turn), turns.map((_, k) => k));
    for (const { turn, runMs } of turns) assert.ok(runMs >= turn * 20 - 2 && runMs < (turn + 1) * 20 + 40, `turn ${turn} sent at ${runMs} ms of the run`);
  });

  it('a batch with a clock of its own runs itself from the scheduler\'s 0; senders outside it still tick, from when they came', async () => {
    const calls: string[] = [];
    const batch = { sendSlot: () => void calls.push('sendSlot'), skipSlot: () => void calls.push('skipSlot'), run: (at: number) => void calls.push(`run ${at}`), stop: () => void calls.push('stop') };
    const inBatch = { joinBatch: () => true, sendPacket: () => void calls.push('sendPacket'), skipPackets: () => void calls.push('skipPackets') };
    const scheduler = new SendScheduler(20, () => batch);
    scheduler.add(inBatch);
    const runStartMs = performance.timeOrigin + performance.now() - 30;
    scheduler.start(runStartMs);
    await sleep(60);
    assert.deepEqual(calls, [`run ${runStartMs - performance.timeOrigin}`], 'no JavaScript tick while every sender is in the batch');
    const late = recorder();
    scheduler.add(late);
    await sleep(100);
    scheduler.stop();
    scheduler.stop();
    assert.deepEqual(calls.slice(1), ['stop'], 'the batch is neither ticked nor told of skips by the scheduler');
    assert.ok(late.at.length >= 4 && late.at.length <= 6, `a sender added 90 ms after the 0 sends from then on: ${late.at.length} in 100 ms`);
    assert.equal(late.skipped, 0, 'the turns before it came were not its own');
  });

  it('refuses a packet time that is not a whole number of milliseconds', () => {
    assert.throws(() => new SendScheduler(2.5), /whole number of ms/);
  });
});
