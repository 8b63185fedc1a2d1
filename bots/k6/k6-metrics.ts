/** What k6 groups measure: the signalling plane. */
import type { MetricInfo } from '../../core/metrics/metric-info.js';

export const k6Metrics = {
  signalling_rtt_ms: { kind: 'trend', unit: 'ms', description: 'k6 groups: from sending a signalling request to its response', engines: ['k6'] },
  join_ack_ms: { kind: 'trend', unit: 'ms', description: 'k6 groups: from opening the signalling socket to the join response', engines: ['k6'] },
  k6_checks_total: { kind: 'counter', unit: 'count', description: 'k6 groups: checks run by the k6 script', engines: ['k6'] },
  k6_checks_passed: { kind: 'counter', unit: 'count', description: 'k6 groups: checks that passed', engines: ['k6'] },
  k6_checks_rate: { kind: 'rate', unit: 'ratio', description: 'k6 groups: checks passed / checks run', engines: ['k6'] },
} as const satisfies Record<string, MetricInfo>;
