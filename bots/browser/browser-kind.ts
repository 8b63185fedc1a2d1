/** The browser engine as the domain sees it: its group, its metrics (Chromium's getStats, its CPU and memory) and its report section. */
import { z } from 'zod';
import type { EngineKind, MetricReader } from '../../core/scenario/engine-kind.js';
import { count, histogramSummarySchema } from '../../core/metrics/summary-schema.js';
import { browserGroup, type BrowserGroup } from './browser-group.js';
import { browserMetrics } from './browser-metrics.js';

export type { BrowserGroup } from './browser-group.js';

/** A report's `browser` section: Chromium's own view and its CPU and memory (/proc), named as in the metric catalogue. */
export const browserMetricsSchema = z.object({
  browser_rtp_packets_lost: count,
  browser_rtp_jitter_ms: histogramSummarySchema.nullable(),
  /** Audio: time an emitted sample spent in the jitter buffer, per stream and second. */
  browser_jitter_buffer_delay_ms: histogramSummarySchema.nullable(),
  audio_concealed_ratio: histogramSummarySchema.nullable(),
  audio_concealment_events: count,
  video_freezes: count,
  video_frames_dropped: count,
  browser_video_frames_decoded: count,
  rtt_ms: histogramSummarySchema.nullable(),
  /** Per open page: its browser process tree's share. */
  browser_cpu_percent: histogramSummarySchema.nullable(),
  browser_memory_mb: histogramSummarySchema.nullable(),
});

export type BrowserMetrics = z.output<typeof browserMetricsSchema>;

function browserSection(read: MetricReader, group?: string): BrowserMetrics | null {
  const summary = (metric: keyof typeof browserMetrics) => read.histogram(metric, group).summary();
  const section: BrowserMetrics = {
    browser_rtp_packets_lost: read.counter('browser_rtp_packets_lost', group),
    browser_rtp_jitter_ms: summary('browser_rtp_jitter_ms'),
    browser_jitter_buffer_delay_ms: summary('browser_jitter_buffer_delay_ms'),
    audio_concealed_ratio: summary('audio_concealed_ratio'),
    audio_concealment_events: read.counter('audio_concealment_events', group),
    video_freezes: read.counter('video_freezes', group),
    video_frames_dropped: read.counter('video_frames_dropped', group),
    browser_video_frames_decoded: read.counter('browser_video_frames_decoded', group),
    rtt_ms: summary('rtt_ms'),
    browser_cpu_percent: summary('browser_cpu_percent'),
    browser_memory_mb: summary('browser_memory_mb'),
  };
  // Metrics werift bots measure too (one meaning for both) do not make a browser section.
  const own = Object.entries(section).filter(([metric]) => browserMetrics[metric as keyof typeof browserMetrics].engines.length === 1);
  return own.some(([, v]) => v !== null && v !== 0) ? section : null;
}

const reportShape = {
  /** null where no browser was measured. */
  browser: browserMetricsSchema.nullable(),
};

export const browserKind = {
  engine: 'browser',
  group: browserGroup,
  metrics: browserMetrics,
  rates: {},
  report: { shape: reportShape, read: (read, group) => ({ browser: browserSection(read, group) }) },
  seats: (group) => ({ engine: 'browser', count: group.count, rampUpMs: group.rampUpMs, speakers: group.count, audio: group.audio, talk: { model: 'always' }, video: group.video }),
  problems: () => [],
} as const satisfies EngineKind<'browser', BrowserGroup, typeof browserMetrics, typeof reportShape>;
