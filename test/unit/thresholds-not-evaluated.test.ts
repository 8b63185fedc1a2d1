import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import { parseScenario } from '../../core/scenario/index.js';
import { evaluateThresholds } from '../../reports/build-report.js';

const scenario = parseScenario(
  `name: mixed
duration: 10s
rooms: { count: 1, size: 2 }
fleet:
  - engine: werift
    count: 2
  - engine: k6
    executor: constant-vus
    vus: 5
    duration: 5s
thresholds:
  k6_checks_rate: ["rate>0.99"]
  e2e_latency_ms: ["p(99)<100"]
`,
  'mixed.yaml',
);

describe('thresholds on metrics of a skipped engine', () => {
  const store = new MetricStore(0);
  store.record('e2e_latency_ms', 3, 'werift', 10);

  it('are not evaluated when every group of that engine was skipped, and others still are', () => {
    const results = evaluateThresholds(scenario, store, 10_000, [{ group: 'k6', engine: 'k6', reason: 'k6 not found', hint: 'install k6' }]);
    assert.deepEqual(results.map((r) => [r.metric, r.ok, r.notEvaluated]), [
      ['e2e_latency_ms', true, null],
      ['k6_checks_rate', true, 'k6 groups skipped: k6 not found'],
    ]);
  });

  it('fail for lack of data when the engine ran', () => {
    const results = evaluateThresholds(scenario, store, 10_000, []);
    assert.deepEqual(results.find((r) => r.metric === 'k6_checks_rate'), { metric: 'k6_checks_rate', expression: 'rate>0.99', value: null, ok: false, notEvaluated: null });
  });
});
