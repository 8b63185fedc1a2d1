import type { MetricKind } from '../metrics/catalogue.js';

export type Aggregation = 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value' | { percentile: number };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export interface ThresholdCondition {
  aggregation: Aggregation;
  operator: Operator;
  value: number;
}

export class ThresholdSyntaxError extends Error {
  override name = 'ThresholdSyntaxError';

  /** `position` is the 0-based index in `expression` where parsing failed. */
  constructor(
    readonly expression: string,
    readonly position: number,
    reason: string,
  ) {
    super(`invalid threshold "${expression}" at character ${position + 1}: ${reason}`);
  }
}

const namedAggregations = ['avg', 'min', 'max', 'med', 'count', 'rate', 'value'] as const;
// Longest first so that '<=' is not read as '<' followed by garbage.
const operators: readonly Operator[] = ['===', '==', '!=', '<=', '>=', '<', '>'];
const float = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const word = /[A-Za-z]+/y;
const whitespace = /\s*/y;

/*
 * Grammar (k6 thresholds syntax, see k6's thresholds_parser.go), whitespace allowed between all tokens:
 *
 *   assertion          := whitespace* aggregation_method whitespace* operator whitespace* float whitespace*
 *   aggregation_method := trend | 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value'
 *   trend              := 'p(' whitespace* float whitespace* ')'      (percentile, 0..100)
 *   operator           := '<' | '<=' | '>' | '>=' | '==' | '===' | '!='
 *   float              := ('+' | '-')? (digit+ ('.' digit*)? | '.' digit+) (('e' | 'E') ('+' | '-')? digit+)?
 *
 * Which aggregation methods apply depends on the metric kind; see aggregationFits.
 */
export function parseThresholdExpression(text: string): ThresholdCondition {
  const scanner = new Scanner(text);
  scanner.skipWhitespace();
  const aggregation = scanner.aggregation();
  scanner.skipWhitespace();
  const operator = scanner.operator();
  scanner.skipWhitespace();
  const value = scanner.float();
  scanner.skipWhitespace();
  scanner.end();
  return { aggregation, operator, value };
}

class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  skipWhitespace(): void {
    this.match(whitespace);
  }

  aggregation(): Aggregation {
    const start = this.pos;
    const name = this.match(word);
    if (name === 'p' && this.text[this.pos] === '(') return this.percentile();
    const known = namedAggregations.find((n) => n === name);
    if (known !== undefined) return known;
    const got = name === undefined ? this.describeHere() : `"${name}"`;
    throw this.fail(start, `expected an aggregation method (${namedAggregations.join(', ')} or p(N)), got ${got}`);
  }

  operator(): Operator {
    const found = operators.find((op) => this.text.startsWith(op, this.pos));
    if (found === undefined) {
      throw this.fail(this.pos, `expected an operator (<, <=, >, >=, ==, ===, !=), got ${this.describeHere()}`);
    }
    this.pos += found.length;
    return found;
  }

  float(): number {
    const start = this.pos;
    const digits = this.match(float);
    if (digits === undefined) throw this.fail(start, `expected a number, got ${this.describeHere()}`);
    return Number(digits);
  }

  end(): void {
    if (this.pos < this.text.length) throw this.fail(this.pos, `unexpected ${this.describeHere()} after the threshold value`);
  }

  private percentile(): Aggregation {
    this.pos += 1;
    this.skipWhitespace();
    const start = this.pos;
    const percentile = this.float();
    if (percentile < 0 || percentile > 100) {
      throw this.fail(start, `percentile must be between 0 and 100, got ${percentile}`);
    }
    this.skipWhitespace();
    if (this.text[this.pos] !== ')') throw this.fail(this.pos, `expected ")" to close p(, got ${this.describeHere()}`);
    this.pos += 1;
    return { percentile };
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const found = pattern.exec(this.text);
    if (found === null) return undefined;
    this.pos = pattern.lastIndex;
    return found[0];
  }

  private describeHere(): string {
    return this.pos < this.text.length ? `"${this.text.slice(this.pos)}"` : 'the end of the expression';
  }

  private fail(position: number, reason: string): ThresholdSyntaxError {
    return new ThresholdSyntaxError(this.text, position, reason);
  }
}

export function aggregationName(a: Aggregation): string {
  return typeof a === 'string' ? a : `p(${a.percentile})`;
}

const aggregationsByKind: Record<MetricKind, readonly string[]> = {
  trend: ['avg', 'min', 'max', 'med', 'count', 'p(N)'],
  rate: ['value', 'rate'],
  counter: ['count', 'rate'],
  gauge: ['value', 'min', 'max'],
};

/** Aggregations a metric of this kind supports, for messages ('p(N)' stands for any percentile). */
export function allowedAggregations(kind: MetricKind): readonly string[] {
  return aggregationsByKind[kind];
}

export function aggregationFits(a: Aggregation, kind: MetricKind): boolean {
  return aggregationsByKind[kind].includes(typeof a === 'string' ? a : 'p(N)');
}

/** Compares the aggregated value with the threshold; no data (undefined) fails, as a threshold cannot be shown to hold. */
export function evaluateThreshold(
  cond: ThresholdCondition,
  lookup: (a: Aggregation) => number | undefined,
): { ok: boolean; value: number | undefined } {
  const value = lookup(cond.aggregation);
  return { ok: value !== undefined && compare(value, cond.operator, cond.value), value };
}

function compare(left: number, operator: Operator, right: number): boolean {
  switch (operator) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '==':
    case '===':
      return left === right;
    case '!=':
      return left !== right;
  }
}
