import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricKind } from '../../core/metrics/catalogue.js';
import {
  ThresholdSyntaxError,
  aggregationFits,
  aggregationName,
  evaluateThreshold,
  parseThresholdExpression,
  type Aggregation,
  type ThresholdCondition,
} from '../../core/scenario/index.js';

describe('parseThresholdExpression', () => {
  const valid: Array<[string, ThresholdCondition]> = [
    ['p(99)<100', { aggregation: { percentile: 99 }, operator: '<', value: 100 }],
    ['p(99.9)<=300', { aggregation: { percentile: 99.9 }, operator: '<=', value: 300 }],
    ['p(0)>0', { aggregation: { percentile: 0 }, operator: '>', value: 0 }],
    ['p(100)>=1', { aggregation: { percentile: 100 }, operator: '>=', value: 1 }],
    ['avg<200', { aggregation: 'avg', operator: '<', value: 200 }],
    ['min>=0', { aggregation: 'min', operator: '>=', value: 0 }],
    ['max<1e3', { aggregation: 'max', operator: '<', value: 1000 }],
    ['med==50', { aggregation: 'med', operator: '==', value: 50 }],
    ['count===10', { aggregation: 'count', operator: '===', value: 10 }],
    ['rate<0.01', { aggregation: 'rate', operator: '<', value: 0.01 }],
    ['value!=0', { aggregation: 'value', operator: '!=', value: 0 }],
    ['avg<-2.5e-3', { aggregation: 'avg', operator: '<', value: -0.0025 }],
    ['avg<+1', { aggregation: 'avg', operator: '<', value: 1 }],
    ['avg<.5', { aggregation: 'avg', operator: '<', value: 0.5 }],
    ['avg<5.', { aggregation: 'avg', operator: '<', value: 5 }],
    ['  p( 95 )  >  -1.5  ', { aggregation: { percentile: 95 }, operator: '>', value: -1.5 }],
    ['rate\t<\t1', { aggregation: 'rate', operator: '<', value: 1 }],
  ];
  for (const [text, condition] of valid) {
    it(`parses ${JSON.stringify(text)}`, () => assert.deepEqual(parseThresholdExpression(text), condition));
  }

  const invalid: Array<[string, number, RegExp]> = [
    ['', 0, /expected an aggregation method \(avg, min, max, med, count, rate, value or p\(N\)\), got the end/],
    ['foo<1', 0, /got "foo"/],
    ['AVG<1', 0, /got "AVG"/],
    ['p (99)<1', 0, /got "p"/],
    ['<1', 0, /expected an aggregation method/],
    ['p(101)<1', 2, /percentile must be between 0 and 100, got 101/],
    ['p(-1)<1', 2, /percentile must be between 0 and 100, got -1/],
    ['p()<1', 2, /expected a number, got "\)<1"/],
    ['p(99<1', 4, /expected "\)" to close p\(/],
    ['avg 100', 4, /expected an operator \(<, <=, >, >=, ==, ===, !=\), got "100"/],
    ['avg=<1', 3, /expected an operator/],
    ['avg<', 4, /expected a number, got the end of the expression/],
    ['avg<<1', 4, /expected a number, got "<1"/],
    ['avg<1x', 5, /unexpected "x" after the threshold value/],
    ['avg<1 2', 6, /unexpected "2"/],
    ['avg<1e', 5, /unexpected "e"/],
  ];
  for (const [text, position, message] of invalid) {
    it(`rejects ${JSON.stringify(text)} at ${position}`, () => {
      assert.throws(
        () => parseThresholdExpression(text),
        (error: unknown) => {
          assert.ok(error instanceof ThresholdSyntaxError);
          assert.equal(error.position, position);
          assert.equal(error.expression, text);
          assert.match(error.message, new RegExp(`at character ${position + 1}: `));
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});

describe('aggregationName', () => {
  const cases: Array<[Aggregation, string]> = [
    ['avg', 'avg'],
    ['value', 'value'],
    [{ percentile: 99 }, 'p(99)'],
    [{ percentile: 99.9 }, 'p(99.9)'],
  ];
  for (const [aggregation, name] of cases) {
    it(`names ${name}`, () => assert.equal(aggregationName(aggregation), name));
  }
});

describe('aggregationFits', () => {
  const cases: Array<[Aggregation, MetricKind, boolean]> = [
    [{ percentile: 95 }, 'trend', true],
    ['avg', 'trend', true],
    ['count', 'trend', true],
    ['value', 'trend', false],
    ['rate', 'trend', false],
    ['value', 'rate', true],
    ['rate', 'rate', true],
    ['avg', 'rate', false],
    ['count', 'counter', true],
    ['rate', 'counter', true],
    ['value', 'counter', false],
    ['value', 'gauge', true],
    ['max', 'gauge', true],
    [{ percentile: 50 }, 'gauge', false],
  ];
  for (const [aggregation, kind, fits] of cases) {
    it(`${aggregationName(aggregation)} ${fits ? 'fits' : 'does not fit'} a ${kind}`, () =>
      assert.equal(aggregationFits(aggregation, kind), fits));
  }
});

describe('evaluateThreshold', () => {
  const cases: Array<[string, number | undefined, boolean]> = [
    ['avg<100', 99, true],
    ['avg<100', 100, false],
    ['avg<=100', 100, true],
    ['avg>100', 100, false],
    ['avg>=100', 100, true],
    ['count==3', 3, true],
    ['count===3', 4, false],
    ['count!=3', 4, true],
    ['count!=3', 3, false],
    ['p(99)<100', undefined, false],
    ['value>-1', undefined, false],
  ];
  for (const [expression, value, ok] of cases) {
    it(`${expression} with ${String(value)} → ${ok ? 'pass' : 'fail'}`, () => {
      const result = evaluateThreshold(parseThresholdExpression(expression), () => value);
      assert.deepEqual(result, { ok, value });
    });
  }

  it('looks up the aggregation of the condition', () => {
    const asked: Aggregation[] = [];
    const values = (a: Aggregation): number => {
      asked.push(a);
      return typeof a === 'string' ? 1 : a.percentile;
    };
    assert.deepEqual(evaluateThreshold(parseThresholdExpression('p(95)<96'), values), { ok: true, value: 95 });
    assert.deepEqual(asked, [{ percentile: 95 }]);
  });
});
