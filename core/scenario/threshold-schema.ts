import { z } from 'zod';
import { metricCatalogue, metricNames, type MetricName } from '../metrics/catalogue.js';
import { show } from './messages.js';
import {
  ThresholdSyntaxError,
  aggregationFits,
  aggregationName,
  allowedAggregations,
  parseThresholdExpression,
  type ThresholdCondition,
} from './thresholds.js';
import type { Threshold } from './types.js';

/** One entry in a metric's threshold list: an expression, or k6's `{ threshold, abortOnFail }`. */
function thresholdEntry(metric: MetricName) {
  const entry = z.strictObject(
    { threshold: z.string(), abortOnFail: z.boolean().default(false) },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? `must be an expression such as "p(99)<100" or a mapping { threshold, abortOnFail } (got ${show(issue.input)})`
          : undefined,
    },
  );
  return z.preprocess(
    (raw) => (typeof raw === 'string' ? { threshold: raw } : raw),
    entry.transform(({ threshold, abortOnFail }, ctx): Threshold => {
      const condition = conditionFor(metric, threshold);
      if (typeof condition === 'string') {
        ctx.addIssue({ code: 'custom', message: condition, input: threshold });
        return z.NEVER;
      }
      return { metric, expression: threshold, condition, abortOnFail };
    }),
  );
}

/** The parsed condition, or why the expression does not apply to this metric. */
function conditionFor(metric: MetricName, expression: string): ThresholdCondition | string {
  let condition: ThresholdCondition;
  try {
    condition = parseThresholdExpression(expression);
  } catch (error) {
    if (error instanceof ThresholdSyntaxError) return error.message;
    throw error;
  }
  const kind = metricCatalogue[metric].kind;
  if (aggregationFits(condition.aggregation, kind)) return condition;
  const allowed = allowedAggregations(kind).join(', ');
  return `"${expression}": ${aggregationName(condition.aggregation)} does not apply to ${kind} metric ${metric} (allowed: ${allowed})`;
}

// An object keyed by the catalogue, rather than a record, so that each list knows its metric's kind and
// an unknown metric is reported like any other unknown key.
export const thresholdsSchema = z
  .strictObject(Object.fromEntries(metricNames.map((metric) => [metric, z.array(thresholdEntry(metric)).optional()])), {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `allowed metrics: ${metricNames.join(', ')}` : undefined),
  })
  .default({})
  .transform((byMetric) => Object.values(byMetric).flatMap((list) => list ?? []));
