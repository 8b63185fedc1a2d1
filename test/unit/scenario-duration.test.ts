import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../core/scenario/index.js';

describe('parseDuration', () => {
  const valid: Array<[string, number]> = [
    ['500ms', 500],
    ['20s', 20_000],
    ['1.5m', 90_000],
    ['2m30s', 150_000],
    ['1h', 3_600_000],
    ['1h2m3s4ms', 3_723_004],
    ['0ms', 0],
    ['0.5s', 500],
    [' 5s ', 5_000],
    ['1s500ms', 1_500],
  ];
  for (const [text, ms] of valid) {
    it(`reads ${JSON.stringify(text)} as ${ms}ms`, () => assert.equal(parseDuration(text), ms));
  }

  const invalid: Array<[string, RegExp]> = [
    ['20', /has no unit: add one of ms, s, m, h \(e\.g\. "20s"/],
    ['1.5', /has no unit/],
    ['', /invalid duration "": expected a number with a unit/],
    ['s', /invalid duration/],
    ['5 s', /invalid duration/],
    ['-5s', /invalid duration/],
    ['5sec', /invalid duration/],
    ['1.5.5s', /invalid duration/],
    ['1s2m', /largest to smallest/],
    ['1m1m', /largest to smallest/],
  ];
  for (const [text, message] of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.throws(() => parseDuration(text), message));
  }
});

describe('formatDuration', () => {
  const cases: Array<[number, string]> = [
    [0, '0ms'],
    [250, '250ms'],
    [20_000, '20s'],
    [90_000, '1m30s'],
    [1_500, '1s500ms'],
    [3_600_000, '1h'],
    [3_723_004, '1h2m3s4ms'],
    [999.6, '1s'],
  ];
  for (const [ms, text] of cases) {
    it(`formats ${ms}ms as ${text}`, () => assert.equal(formatDuration(ms), text));
  }

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 59_999, 60_000, 86_400_000, 123_456_789]) assert.equal(parseDuration(formatDuration(ms)), ms);
  });

  it('rejects negative and non-finite values', () => {
    assert.throws(() => formatDuration(-1), RangeError);
    assert.throws(() => formatDuration(Number.NaN), RangeError);
  });
});
