/**
 * Every metric rtcstorm knows, with its kind. The kind decides how samples are stored and which
 * threshold aggregations apply (as in k6: trends have percentiles, rates have a value, counters a count).
 */
export type MetricKind = 'trend' | 'rate' | 'counter' | 'gauge';

export interface MetricInfo {
  kind: MetricKind;
  unit: 'ms' | 'ratio' | 'packets' | 'bots' | 'percent' | 'count';
  description: string;
}

export const metricCatalogue = {
  join_time_ms: { kind: 'trend', unit: 'ms', description: 'from sending join to the first media packet received (or transports connected when alone)' },
  e2e_latency_ms: { kind: 'trend', unit: 'ms', description: 'one-way latency of each received media packet, from the send timestamp in its payload' },
  jitter_ms: { kind: 'trend', unit: 'ms', description: 'RFC 3550 interarrival jitter of each received stream, sampled every second' },
  packet_loss_ratio: { kind: 'rate', unit: 'ratio', description: 'packets not received / packets expected (from sequence numbers)' },
  packets_sent: { kind: 'counter', unit: 'packets', description: 'media packets sent by bots' },
  packets_received: { kind: 'counter', unit: 'packets', description: 'media packets received by bots' },
  packets_expected: { kind: 'counter', unit: 'packets', description: 'media packets a receiver should have seen, by sequence number' },
  bots_joined: { kind: 'counter', unit: 'bots', description: 'bots that completed joining' },
  bots_failed: { kind: 'counter', unit: 'bots', description: 'bots that failed to join or crashed' },
  bots_connected: { kind: 'gauge', unit: 'bots', description: 'bots connected at the end of each second' },
  event_loop_lag_ms: { kind: 'trend', unit: 'ms', description: 'event-loop delay of a harness process' },
  harness_cpu_percent: { kind: 'trend', unit: 'percent', description: 'CPU of a harness process, sampled every second (100 = one core)' },
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof metricCatalogue;
export type MetricOfKind<K extends MetricKind> = {
  [M in MetricName]: (typeof metricCatalogue)[M]['kind'] extends K ? M : never;
}[MetricName];
export type TrendMetric = MetricOfKind<'trend'>;
export type CounterMetric = MetricOfKind<'counter'>;
export type GaugeMetric = MetricOfKind<'gauge'>;

export const metricNames = Object.keys(metricCatalogue) as MetricName[];

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(metricCatalogue, name);
}
