/**
 * Every metric rtcstorm knows, with its kind. The kind decides how samples are stored and which
 * threshold aggregations apply (as in k6: trends have percentiles, rates have a value, counters a count).
 */
import { engineMetrics } from '../scenario/engine-kinds.js';

export type { MetricInfo, MetricKind } from './metric-info.js';
import type { MetricInfo, MetricKind } from './metric-info.js';

/** Metrics every run has; an engine's own are declared in its folder (core/scenario/engine-kinds.ts) and joined here. */
const runMetrics = {
  join_time_ms: { kind: 'trend', unit: 'ms', description: 'from sending join to the first media packet received (or transports connected when alone)' },
  e2e_latency_ms: { kind: 'trend', unit: 'ms', description: 'one-way latency of each received media packet, from the send timestamp in its payload' },
  jitter_ms: { kind: 'trend', unit: 'ms', description: 'RFC 3550 interarrival jitter of each received stream, sampled every second' },
  packet_loss_ratio: { kind: 'rate', unit: 'ratio', description: 'packets not received / packets expected (from sequence numbers)' },
  packets_sent: { kind: 'counter', unit: 'packets', description: 'media packets sent by bots' },
  packets_received: { kind: 'counter', unit: 'packets', description: 'media packets received by bots' },
  packets_expected: { kind: 'counter', unit: 'packets', description: 'media packets a receiver should have seen, by sequence number' },
  packets_skipped: { kind: 'counter', unit: 'packets', description: 'media packets the send schedule called for that were not sent: the bot\'s process was late by more than a packet time, and the packets it missed were skipped' },
  bots_joined: { kind: 'counter', unit: 'bots', description: 'bots that completed joining' },
  bots_failed: { kind: 'counter', unit: 'bots', description: 'bots that failed to join or crashed' },
  recovery_time_ms: { kind: 'trend', unit: 'ms', description: 'per bot and failure: last packet received before the failure to the first packet received after rejoining' },
  media_gap_ms: { kind: 'trend', unit: 'ms', description: 'per received stream: each silence longer than recovery.gapThreshold, measured when the stream is back' },
  bot_failures: { kind: 'counter', unit: 'count', description: 'failures bots noticed while connected (socket closed, transport failed, media silence) and recovered from by rejoining' },
  room_packets_expected: { kind: 'counter', unit: 'packets', description: 'packets_expected by room (group = room-<index>), for per-room loss' },
  room_packets_received: { kind: 'counter', unit: 'packets', description: 'packets_received by room (group = room-<index>)' },
  room_media_gaps: { kind: 'counter', unit: 'count', description: 'media gaps (see media_gap_ms) by room (group = room-<index>)' },
  room_bot_failures: { kind: 'counter', unit: 'count', description: 'bot_failures by room (group = room-<index>)' },
  bots_connected: { kind: 'gauge', unit: 'bots', description: 'bots connected at the end of each second' },
  event_loop_lag_ms: { kind: 'trend', unit: 'ms', description: 'event-loop delay of a harness process' },
  harness_cpu_percent: { kind: 'trend', unit: 'percent', description: 'CPU of a harness process, sampled every second (100 = one core)' },
  machine_cpu_percent: { kind: 'trend', unit: 'percent', description: 'CPU of every process on the machine of the run (rtcstorm\'s and others\'), sampled every second, in percent of all its cores' },
  harness_report_delay_ms: { kind: 'trend', unit: 'ms', description: 'how late the run received a harness process\'s samples of each second, after the second ended (the run times it: a starved process cannot hide it)' },
  harness_seconds_missing: { kind: 'counter', unit: 'count', description: 'seconds whose samples a harness process did not deliver in time (a sign of saturation, counted against the process)' },
} as const satisfies Record<string, MetricInfo>;

export const metricCatalogue = { ...runMetrics, ...engineMetrics } as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof metricCatalogue;
export type MetricOfKind<K extends MetricKind> = {
  [M in MetricName]: (typeof metricCatalogue)[M]['kind'] extends K ? M : never;
}[MetricName];
export type TrendMetric = MetricOfKind<'trend'>;
export type CounterMetric = MetricOfKind<'counter'>;
export type GaugeMetric = MetricOfKind<'gauge'>;
export type RateMetric = MetricOfKind<'rate'>;

export const metricNames = Object.keys(metricCatalogue) as MetricName[];

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(metricCatalogue, name);
}
