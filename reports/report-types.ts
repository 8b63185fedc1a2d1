/** The shape of report.json: the one result model every writer (Markdown, HTML, JUnit, compare) reads. */
import type { HistogramSummary, RunEvent, SerializedStore } from '../core/metrics/index.js';

export const reportSchemaVersion = 1;

export interface BotCounts { planned: number; joined: number; failed: number }
export interface PacketCounts { sent: number; received: number; expected: number }

export interface MetricsSection {
  join_time_ms: HistogramSummary | null;
  e2e_latency_ms: HistogramSummary | null;
  jitter_ms: HistogramSummary | null;
  /** null when no packet was expected (nobody received anything). */
  packet_loss_ratio: number | null;
}

export interface ThresholdResult { metric: string; expression: string; value: number | null; ok: boolean }

export interface GroupReport { bots: BotCounts; packets: PacketCounts; metrics: MetricsSection }

export interface TimelinePoint {
  t: number;
  botsConnected: number;
  packetsSent: number;
  packetsReceived: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  lossRatio: number | null;
}

/** One SFU node of a bundled target, sampled every second. */
export interface ServerNodeSeries {
  nodeId: string;
  points: Array<{ t: number; cpuPercent: number; rssMB: number; rooms: number; transports: number; producers: number; consumers: number }>;
}

export interface HarnessProcess { id: string; cpuPercentAvg: number | null; cpuPercentMax: number | null; eventLoopLagP99Ms: number | null }

export interface Report {
  schemaVersion: typeof reportSchemaVersion;
  tool: { name: 'rtcstorm'; version: string };
  scenario: { name: string; file: string | null; seed: number };
  startedAt: string;
  durationMs: number;
  /** false when the run was interrupted (Ctrl-C, SIGTERM) or aborted by an error. */
  complete: boolean;
  /** Why the run did not complete, or why it is invalid. */
  abortReason: string | null;
  target: { kind: 'bundled' | 'url'; urls: string[] };
  bots: BotCounts;
  packets: PacketCounts;
  metrics: MetricsSection;
  thresholds: ThresholdResult[];
  groups: Record<string, GroupReport>;
  timeline: TimelinePoint[];
  events: RunEvent[];
  harness: { processes: HarnessProcess[] };
  /** Server-side load of a bundled target (empty for external targets). */
  server: { nodes: ServerNodeSeries[] };
  /** Every sample as mergeable histograms and counters per second: lets reports be merged and re-read exactly. */
  raw: SerializedStore;
}
