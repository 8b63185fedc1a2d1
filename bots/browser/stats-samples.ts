/**
 * getStats() values are totals since each stream started; the store wants what happened in each
 * second. This keeps a page's previous snapshot and turns the next one into per-second samples.
 */
import type { CounterMetric, TrendMetric } from '../../core/metrics/catalogue.js';
import type { InboundStats, PageStats, SentStreamStats } from './page-api.js';

export type StatsSample = { metric: TrendMetric; value: number } | { metric: CounterMetric; count: number };

export class PageStatsDeltas {
  private inbound = new Map<string, InboundStats>();
  private sent = new Map<string, SentStreamStats>();

  /** Samples since the previous call; a stream seen for the first time counts from its start. */
  next(stats: PageStats): StatsSample[] {
    const samples = [...stats.inbound.flatMap((now) => inboundSamples(now, this.inbound.get(now.id))), ...stats.sent.flatMap((now) => sentSamples(now, this.sent.get(now.id)))];
    this.inbound = new Map(stats.inbound.map((s) => [s.id, s]));
    this.sent = new Map(stats.sent.map((s) => [s.id, s]));
    return samples;
  }
}

function inboundSamples(now: InboundStats, before: InboundStats | undefined): StatsSample[] {
  const delta = (key: keyof Omit<InboundStats, 'id' | 'kind'>): number => now[key] - (before?.[key] ?? 0);
  const samples: StatsSample[] = [];
  const counter = (metric: CounterMetric, count: number): void => void (count > 0 && samples.push({ metric, count }));
  // RTCP's cumulative loss goes down when late packets arrive after all: only increases count.
  counter('browser_rtp_packets_lost', delta('packetsLost'));
  if (delta('packetsReceived') > 0) samples.push({ metric: 'browser_rtp_jitter_ms', value: now.jitterS * 1000 });
  if (now.kind === 'audio') {
    const emitted = delta('jitterBufferEmittedCount');
    if (emitted > 0) samples.push({ metric: 'browser_jitter_buffer_delay_ms', value: (delta('jitterBufferDelayS') / emitted) * 1000 });
    const played = delta('totalSamplesReceived');
    if (played > 0) samples.push({ metric: 'audio_concealed_ratio', value: Math.min(1, Math.max(0, delta('concealedSamples') / played)) });
    counter('audio_concealment_events', delta('concealmentEvents'));
  } else {
    counter('video_freezes', delta('freezeCount'));
    counter('video_frames_dropped', delta('framesDropped'));
    counter('browser_video_frames_decoded', delta('framesDecoded'));
  }
  return samples;
}

/** A round-trip time is sampled only when the SFU's receiver reports brought a new measurement. */
function sentSamples(now: SentStreamStats, before: SentStreamStats | undefined): StatsSample[] {
  const fresh = now.roundTripTimeMeasurements > (before?.roundTripTimeMeasurements ?? 0);
  return fresh ? [{ metric: 'rtt_ms', value: now.roundTripTimeS * 1000 }] : [];
}
