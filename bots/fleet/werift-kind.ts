/** The werift engine as the domain sees it: its group, seated in the rooms; its voice-quality and video metrics and report sections (audio's transport metrics are the run's own). */
import { z } from 'zod';
import type { EngineKind, GroupFacts, MetricReader } from '../../core/scenario/engine-kind.js';
import type { PathProblem } from '../../core/scenario/problems.js';
import { count, histogramSummarySchema } from '../../core/metrics/summary-schema.js';
import { weriftGroup, type WeriftGroup } from './werift-group.js';
import { weriftMetrics } from './werift-metrics.js';

export type { WeriftGroup } from './werift-group.js';

/** A report's `video` section: werift bots' video, received and sent, named as in the metric catalogue. */
export const weriftVideoSchema = z.object({
  video_frames_received: count,
  video_freezes: count,
  video_freeze_ms: histogramSummarySchema.nullable(),
  video_fps: histogramSummarySchema.nullable(),
  video_bitrate_kbps: histogramSummarySchema.nullable(),
  video_layer: histogramSummarySchema.nullable(),
  video_keyframe_wait_ms: histogramSummarySchema.nullable(),
  video_latency_ms: histogramSummarySchema.nullable(),
  video_nacks_sent: count,
  video_rtx_received: count,
  video_plis_sent: count,
  video_keyframes_sent: count,
  video_send_kbps: histogramSummarySchema.nullable(),
  video_layers_sent: histogramSummarySchema.nullable(),
});

export type WeriftVideo = z.output<typeof weriftVideoSchema>;

/**
 * MOS bands by ITU-T G.107 Annex B's user satisfaction (R 90, 80, 70, 60, 50 as MOS): each band's
 * stream-seconds, best first, so a report shows how a group's voice was spread, not only its average.
 */
export const mosBands = [
  { label: 'very satisfied', from: 4.34 },
  { label: 'satisfied', from: 4.03 },
  { label: 'some users dissatisfied', from: 3.6 },
  { label: 'many users dissatisfied', from: 3.1 },
  { label: 'nearly all users dissatisfied', from: 2.58 },
  { label: 'not recommended', from: 0 },
] as const;

/** A report's `voice` section: how werift bots heard each other (bots/voice: a jitter-buffer model and the E-model per stream and second). */
export const weriftVoiceSchema = z.object({
  mos: histogramSummarySchema.nullable(),
  /** Stream-seconds in each of mosBands, in its order. */
  mos_bands: z.array(z.object({ label: z.string(), from: z.number(), streamSeconds: count })),
  playout_delay_ms: histogramSummarySchema.nullable(),
  audio_concealed_ratio: histogramSummarySchema.nullable(),
});

export type WeriftVoice = z.output<typeof weriftVoiceSchema>;

function voiceSection(read: MetricReader, group?: string): WeriftVoice | null {
  const mos = read.histogram('mos', group);
  const summary = mos.summary();
  if (!summary) return null;
  // Stored values are at 0.001 resolution: a band's lower edge belongs to it.
  const atOrAbove = (from: number): number => summary.count - (from <= 0 ? 0 : mos.countAtOrBelow(from - 0.001));
  const bands = mosBands.map((band, i) => ({ label: band.label, from: band.from, streamSeconds: atOrAbove(band.from) - (i === 0 ? 0 : atOrAbove(mosBands[i - 1]!.from)) }));
  return {
    mos: summary,
    mos_bands: bands,
    playout_delay_ms: read.histogram('playout_delay_ms', group).summary(),
    audio_concealed_ratio: read.histogram('audio_concealed_ratio', group).summary(),
  };
}

function videoSection(read: MetricReader, group?: string): WeriftVideo | null {
  const summary = (metric: keyof typeof weriftMetrics) => read.histogram(metric, group).summary();
  const section: WeriftVideo = {
    video_frames_received: read.counter('video_frames_received', group),
    video_freezes: read.counter('video_freezes', group),
    video_freeze_ms: summary('video_freeze_ms'),
    video_fps: summary('video_fps'),
    video_bitrate_kbps: summary('video_bitrate_kbps'),
    video_layer: summary('video_layer'),
    video_keyframe_wait_ms: summary('video_keyframe_wait_ms'),
    video_latency_ms: summary('video_latency_ms'),
    video_nacks_sent: read.counter('video_nacks_sent', group),
    video_rtx_received: read.counter('video_rtx_received', group),
    video_plis_sent: read.counter('video_plis_sent', group),
    video_keyframes_sent: read.counter('video_keyframes_sent', group),
    video_send_kbps: summary('video_send_kbps'),
    video_layers_sent: summary('video_layers_sent'),
  };
  return section.video_frames_received > 0 || section.video_send_kbps !== null ? section : null;
}

/** A report's `clients` section: what reconnect and churn steps did to a group's participants (werift bots and browsers alike). */
export const clientChaosSchema = z.object({
  reconnects: count,
  rejoin_time_ms: histogramSummarySchema.nullable(),
  churn_leaves: count,
  churn_joins: count,
});

export type ClientChaosSection = z.output<typeof clientChaosSchema>;

function clientsSection(read: MetricReader, group?: string): ClientChaosSection | null {
  const section: ClientChaosSection = {
    reconnects: read.counter('reconnects', group),
    rejoin_time_ms: read.histogram('rejoin_time_ms', group).summary(),
    churn_leaves: read.counter('churn_leaves', group),
    churn_joins: read.counter('churn_joins', group),
  };
  return section.reconnects > 0 || section.churn_leaves > 0 || section.rejoin_time_ms !== null ? section : null;
}

const reportShape = {
  /** null where no werift bot rated a received audio stream. */
  voice: weriftVoiceSchema.nullable(),
  /** null where no werift bot sent or received video. */
  video: weriftVideoSchema.nullable(),
  /** null where no reconnect or churn step touched the group's participants. */
  clients: clientChaosSchema.nullable(),
};

function problems(group: WeriftGroup, index: number, facts: GroupFacts): PathProblem[] {
  const { target } = facts;
  // Simulcast, RTX and transport-wide feedback are negotiated by rtcstorm's own adapter only (so far).
  if (group.video && target && target.kind !== 'bundled' && target.kind !== 'url') {
    return [{ path: ['fleet', index, 'video'], message: `werift bots send video to targets that speak rtcstorm's protocol (target.bundled or target.url), not target.${target.kind}; use a browser group for video there`, at: 'key' }];
  }
  if (group.video && target?.adapter) {
    return [{ path: ['fleet', index, 'video'], message: 'werift bots send video through rtcstorm\'s own adapter only, not a user adapter module', at: 'key' }];
  }
  return [];
}

export const weriftKind = {
  engine: 'werift',
  group: weriftGroup,
  metrics: weriftMetrics,
  rates: {},
  report: { shape: reportShape, read: (read, group) => ({ voice: voiceSection(read, group), video: videoSection(read, group), clients: clientsSection(read, group) }) },
  seats: (group) => ({ engine: 'werift', count: group.count, rampUpMs: group.rampUpMs, speakers: group.speakers, audio: group.audio, talk: group.talk, video: group.video }),
  problems,
} as const satisfies EngineKind<'werift', WeriftGroup, typeof weriftMetrics, typeof reportShape>;
