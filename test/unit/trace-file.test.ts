import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../core/paths.js';
import { formatTraceCsv, parseTraceFile, type ParsedTraceFile } from '../../core/scenario/trace-file.js';

const traces = join(packageRoot, 'scenarios', 'traces');

function ok(parsed: ParsedTraceFile): Extract<ParsedTraceFile, { ok: true }> {
  if (!parsed.ok) assert.fail(parsed.problems.map((p) => `${p.line}:${p.column}: ${p.message}`).join('\n'));
  return parsed;
}

function problems(parsed: ParsedTraceFile): string[] {
  assert.equal(parsed.ok, false, 'expected problems');
  return parsed.ok ? [] : parsed.problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
}

describe('trace files', () => {
  it('CSV: columns in any order, percentages, empty cells, clean rows as null, the pass length from the last gap', () => {
    const parsed = ok(parseTraceFile('# a comment\nrateKbps,t,loss,delayMs,jitterMs,duplicate\n\n,0,,,,\n500,2,10%,40,5,0.01\n,3.5,0.02,,,\n', 'x.csv', { distribution: 'normal', queueLimit: 50 }));
    assert.equal(parsed.format, 'csv');
    assert.deepEqual(parsed.intervals, [
      { atMs: 0, profile: null },
      { atMs: 2000, profile: { loss: { kind: 'random', ratio: 0.1 }, delayMs: 40, jitter: { ms: 5, distribution: 'normal', reorder: false }, duplicateRatio: 0.01, rate: { kbps: 500, queueLimit: 50 }, blackhole: false } },
      { atMs: 3500, profile: { loss: { kind: 'random', ratio: 0.02 }, delayMs: 0, jitter: null, duplicateRatio: 0, rate: null, blackhole: false } },
    ]);
    assert.equal(parsed.lengthMs, 5000);
    assert.equal(ok(parseTraceFile('t,loss\n0,1%\n', 'one.csv')).lengthMs, 1000);
    assert.equal(ok(parseTraceFile('t,loss\n0,1%\n', 'one.csv', { lengthMs: 7000 })).lengthMs, 7000);
  });

  it('CSV: Gilbert-Elliott columns make the loss model', () => {
    const parsed = ok(parseTraceFile('t,p,r,1-h,1-k\n0,5%,0.5,,\n1,0.01,0.3,0.8,0.001\n', 'ge.csv'));
    assert.deepEqual(parsed.intervals.map((i) => i.profile?.loss), [
      { kind: 'gilbert-elliott', p: 0.05, r: 0.5, lossInBad: 1, lossInGood: 0 },
      { kind: 'gilbert-elliott', p: 0.01, r: 0.3, lossInBad: 0.8, lossInGood: 0.001 },
    ]);
  });

  it('CSV: every problem at its exact line and column', () => {
    assert.deepEqual(problems(parseTraceFile('t,loss,delayMs,bogus\n0,0.1,20\n', 'bad.csv')), ['1:16: unknown column "bogus" (known: t, loss, delayMs, jitterMs, rateKbps, duplicate, p, r, 1-h, 1-k)']);
    const rows = ['t,loss,delayMs', '0.5,0.1,20', '1, x,-5', '1,1.5,', '', '# ok', '3,,,', ' ,0.1,', '4,,,9'].join('\n');
    // Cells beyond the header are found while reading the rows, before the rows' values are checked.
    assert.deepEqual(problems(parseTraceFile(rows, 'bad.csv')), [
      "9:5: more cells than the header's 3 columns",
      '2:1: t: the first row must be at 0 (got 0.5)',
      '3:4: loss: not a number (got "x"): write a fraction such as 0.02 or a percentage such as "2%"',
      '3:6: delayMs: must not be negative (got -5)',
      '4:1: t: must be later than the row before (1 s; got 1 s)',
      '4:3: loss: must be a fraction from 0 to 1 or a percentage from 0% to 100% (got 1.5)',
      "8:1: t: every row needs its time (seconds from the trace's start)",
    ]);
    assert.deepEqual(problems(parseTraceFile('loss\n0.1\n', 'no-t.csv')), ['1:1: the header has no t column (seconds from the trace\'s start)']);
    assert.deepEqual(problems(parseTraceFile('t,loss,p\n0,0.1,0.2\n', 'ge.csv')), ['2:7: p: Gilbert-Elliott loss needs p and r together (p = P(good → bad), r = P(bad → good))']);
    assert.deepEqual(problems(parseTraceFile('t,loss,p,r\n0,0.1,0.2,0.5\n1,,0.2,0\n', 'ge.csv')), [
      '2:3: loss: leave it empty in a row with Gilbert-Elliott p and r (they are the loss model)',
      '3:8: r: must be greater than 0: with r = 0 the bad state never ends',
    ]);
  });

  it('CSV: problems are capped', () => {
    const text = `t,loss\n0,0\n${Array.from({ length: 40 }, (_, i) => `${i + 1},x`).join('\n')}\n`;
    const list = problems(parseTraceFile(text, 'many.csv'));
    assert.equal(list.length, 21);
    assert.match(list[20]!, /more problems/);
  });

  it('JSON: rows (or a bare list), lengthS, problems at the value', () => {
    const parsed = ok(parseTraceFile('{"rows": [{"t": 0}, {"t": 1.5, "loss": "5%", "delayMs": 80, "rateKbps": 300}], "lengthS": 4}', 'x.json'));
    assert.equal(parsed.format, 'json');
    assert.equal(parsed.lengthMs, 4000);
    assert.deepEqual(parsed.intervals[1], { atMs: 1500, profile: { loss: { kind: 'random', ratio: 0.05 }, delayMs: 80, jitter: null, duplicateRatio: 0, rate: { kbps: 300, queueLimit: 100 }, blackhole: false } });
    assert.equal(ok(parseTraceFile('[{"t": 0, "delayMs": 10}, {"t": 2}]', 'bare.json')).lengthMs, 4000);
    const bad = '{\n  "rows": [\n    {"t": 0, "loss": 2},\n    {"t": 1, "delay": 5, "jitterMs": -1}\n  ]\n}\n';
    assert.deepEqual(problems(parseTraceFile(bad, 'bad.json')), [
      '4:14: unknown field "delay" (known: t, loss, delayMs, jitterMs, rateKbps, duplicate, p, r, 1-h, 1-k)',
      '3:22: loss: must be a fraction from 0 to 1 or a percentage from 0% to 100% (got 2)',
      '4:38: jitterMs: must not be negative (got -1)',
    ]);
    assert.deepEqual(problems(parseTraceFile('{"rows": [\n  {"t": 0},\n  {"t": 1,}\n]}', 'syntax.json')).map((p) => p.slice(0, 4)), ['3:11']);
  });

  it('AlphaRTC: the pattern entries one after another (duration ms, capacity kbps, loss a fraction, rtt / 2)', () => {
    const text = JSON.stringify({ type: 'video', downlink: {}, uplink: { trace_pattern: [
      { duration: 2000, capacity: 1000, loss: 0, rtt: 200, jitter: 0, time: 0.0 },
      { duration: 500, capacity: 300, loss: 0.1, rtt: 80, jitter: 10, time: 0.0 },
      { duration: 1000, capacity: 0 },
    ] } });
    const parsed = ok(parseTraceFile(text, 'a.json'));
    assert.equal(parsed.format, 'alphartc');
    assert.equal(parsed.lengthMs, 3500);
    assert.deepEqual(parsed.intervals, [
      { atMs: 0, profile: { loss: null, delayMs: 100, jitter: null, duplicateRatio: 0, rate: { kbps: 1000, queueLimit: 100 }, blackhole: false } },
      { atMs: 2000, profile: { loss: { kind: 'random', ratio: 0.1 }, delayMs: 40, jitter: { ms: 10, distribution: 'uniform', reorder: false }, duplicateRatio: 0, rate: { kbps: 300, queueLimit: 100 }, blackhole: false } },
      { atMs: 2500, profile: { loss: null, delayMs: 0, jitter: null, duplicateRatio: 0, rate: null, blackhole: true } },
    ]);
    const both = JSON.stringify({ uplink: { trace_pattern: [{ duration: 1, capacity: 1 }] }, downlink: { trace_pattern: [{ duration: 5, capacity: 2 }] } });
    assert.match(problems(parseTraceFile(both, 'both.json'))[0]!, /part: uplink or part: downlink/);
    assert.equal(ok(parseTraceFile(both, 'both.json', { part: 'downlink' })).lengthMs, 5);
    const bad = '{"uplink": {"trace_pattern": [\n  {"duration": 100, "loss": 5},\n  {"capacity": 10}\n]}}';
    assert.deepEqual(problems(parseTraceFile(bad, 'bad.json')), ['2:29: loss: must be a fraction from 0 to 1 (got 5)', '3:3: duration: every entry needs it']);
  });

  it('Mahimahi: packets per second as a rate, empty seconds as an outage, problems per line', () => {
    const parsed = ok(parseTraceFile('0\n0\n10\n999\n2500\n', 'x.down'));
    assert.equal(parsed.format, 'mahimahi');
    assert.equal(parsed.lengthMs, 3000);
    assert.deepEqual(parsed.intervals.map((i) => [i.atMs, i.profile?.rate?.kbps ?? null, i.profile?.blackhole]), [[0, 48, false], [1000, null, true], [2000, 12, false]]);
    assert.deepEqual(problems(parseTraceFile('0\n5\n  3\n7.5\n', 'x.up')), ['3:3: must not be earlier than the line before (5 ms; got 3)', '4:1: not a whole number of milliseconds (got "7.5")']);
  });

  it('asks for format: when the name does not say it', () => {
    assert.deepEqual(problems(parseTraceFile('t\n0\n', 'trace.txt')), ['1:1: cannot tell the trace format from the name "trace.txt": give format: csv, json, alphartc or mahimahi']);
    assert.equal(ok(parseTraceFile('t\n0\n', 'trace.txt', { format: 'csv' })).format, 'csv');
  });

  it('the shipped examples parse', () => {
    const incident = ok(parseTraceFile(readFileSync(join(traces, 'incident.csv'), 'utf8'), 'incident.csv'));
    assert.equal(incident.intervals.length, 10);
    assert.equal(incident.intervals[0]!.profile?.delayMs, 20);
    assert.equal(incident.intervals[5]!.profile?.rate?.kbps, 300);
    assert.equal(incident.lengthMs, 100_000);
    const onl = ok(parseTraceFile(readFileSync(join(traces, 'opennetlab-example.json'), 'utf8'), 'opennetlab-example.json'));
    assert.equal(onl.format, 'alphartc');
    assert.equal(onl.intervals.length, 12);
    assert.equal(onl.lengthMs, 60_000);
    const lte = ok(parseTraceFile(readFileSync(join(traces, 'lte-short.down'), 'utf8'), 'lte-short.down'));
    assert.equal(lte.format, 'mahimahi');
    assert.equal(lte.lengthMs, 10_000);
    assert.ok(lte.intervals.every((i) => i.profile?.rate !== null && i.profile!.rate.kbps > 100), JSON.stringify(lte.intervals));
  });

  it('formatTraceCsv writes what parseTraceFile reads back', () => {
    const text = formatTraceCsv([{ tMs: 0, delayMs: 12.34 }, { tMs: 1000, loss: 0.0123456, delayMs: 20, rateKbps: 800 }]);
    assert.equal(text, 't,loss,delayMs,rateKbps\n0,,12.3,\n1,0.0123,20,800\n');
    const parsed = ok(parseTraceFile(text, 'round.csv'));
    assert.deepEqual(parsed.intervals[1]!.profile?.loss, { kind: 'random', ratio: 0.0123 });
  });
});
