/**
 * The journal a run appends as it goes, read back after a kill: a last line the kill cut short
 * still yields the partial report, and a second written again later is read as its newest copy.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import { reportFromJournal } from '../../reports/journal/journal-report.js';
import { JournalReadError, readJournal, RunJournal } from '../../reports/journal/run-journal.js';

const START = 1_700_000_000_000;
const source = 'name: journalled\nduration: 10s\nrooms: { count: 1, size: 2 }\nfleet:\n  - { engine: werift, name: voice, count: 2 }\n';
const at = (t: number): number => START + t * 1000 + 500;

/** A run killed in its 4th second: seconds 0-2 journalled, second 1 again after a late sample, and half a line. */
function killedRun(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rtcstorm-journal-'));
  const journal = RunJournal.create(dir, { scenario: { file: null, seed: 7, source }, shard: null, startedAtMs: START - 1000, machineCores: 2, skipped: [] });
  journal.started(START, ['ws://127.0.0.1:1']);
  const store = new MetricStore(START);
  store.trackChanges();
  store.count('bots_joined', 2, 'voice', START + 200);
  for (let t = 0; t < 3; t++) {
    store.count('packets_sent', 100, 'voice', at(t));
    store.count('packets_received', 100, 'voice', at(t));
  }
  journal.flush(store, [], 3);
  // A fleet process's late samples of second 1: the journal gets second 1 again, whole.
  store.count('packets_received', 50, 'voice', at(1));
  store.count('packets_received', 100, 'voice', at(3));
  journal.flush(store, [], 4);
  store.count('packets_received', 100, 'voice', at(4));
  const cut = JSON.stringify({ kind: 'second', bucket: store.takeChanged(5).at(-1) });
  journal.close();
  appendFileSync(journal.path, cut.slice(0, Math.floor(cut.length / 2)));
  return journal.path;
}

describe('run journal', () => {
  it('a journal whose last line the kill cut short yields a partial report of every whole second', () => {
    const report = reportFromJournal(killedRun());
    assert.equal(report.complete, false);
    assert.match(report.abortReason ?? '', /^harness killed at t=4s of 10s, without writing its report: .*\(4 seconds\)$/);
    assert.deepEqual(report.timeline.map((p) => p.packetsReceived), [100, 150, 100, 100]);
  });

  it('keeps the newest copy of a second written again', () => {
    const journal = readJournal(killedRun());
    assert.deepEqual(journal.seconds.map((b) => b.t), [0, 1, 2, 3]);
    assert.equal(journal.seconds[1]?.counters['packets_received']?.['voice'], 150);
  });

  it('a damaged line anywhere but at the end is an error, not a silently shorter report', () => {
    const path = killedRun();
    const dir = mkdtempSync(join(tmpdir(), 'rtcstorm-journal-'));
    const damaged = join(dir, 'journal.ndjson');
    const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
    writeFileSync(damaged, [lines[0], '{"kind":"second","bu', ...lines.slice(1)].join('\n'));
    assert.throws(() => readJournal(damaged), JournalReadError);
  });
});
