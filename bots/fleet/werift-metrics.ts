/** What werift bots measure besides the run's own metrics: their voice's quality as heard (bots/voice), their video, sent and received (bots/video). */
import type { MetricInfo } from '../../core/metrics/metric-info.js';
import { videoFreezes } from '../../core/metrics/video-metrics.js';
import { audioConcealedRatio } from '../../core/metrics/voice-metrics.js';

const werift = ['werift'] as const;
const participants = ['werift', 'browser'] as const;

/** Client chaos (reconnect, churn steps): werift bots and browsers measure it alike (bots/werift/werift-bot.ts, bots/browser/browser-participant.ts). */
export const clientChaosMetrics = {
  reconnects: { kind: 'counter', unit: 'count', description: 'participants a reconnect step dropped (signalling and media at once); they rejoin with their backoff, and are not counted in bot_failures', engines: participants },
  rejoin_time_ms: { kind: 'trend', unit: 'ms', description: 'per reconnect: from the drop to connected again (backoff and the herd\'s queue included); per churn rejoin: from starting to join again to connected', engines: participants },
  churn_leaves: { kind: 'counter', unit: 'count', description: 'participants that left the room in a churn step (not failures)', engines: participants },
  churn_joins: { kind: 'counter', unit: 'count', description: 'participants that joined again after a churn leave', engines: participants },
} as const satisfies Record<string, MetricInfo>;

export const weriftMetrics = {
  mos: { kind: 'trend', unit: 'score', description: 'werift groups: mean opinion score (ITU-T G.107 E-model, MOS-CQE, 1-4.41) of each received audio stream, every second: from mouth-to-ear delay, loss after the jitter buffer and its burstiness', engines: werift },
  room_mos: { kind: 'trend', unit: 'score', description: 'mos by room (group = room-<index>), for the report\'s worst rooms', engines: werift },
  room_audio_concealed_ratio: { kind: 'trend', unit: 'ratio', description: 'werift groups\' audio_concealed_ratio by room (group = room-<index>)', engines: werift },
  playout_delay_ms: { kind: 'trend', unit: 'ms', description: 'werift groups: send to playout of each received audio stream, every second (its mean): one-way latency plus the jitter buffer\'s delay', engines: werift },
  audio_concealed_ratio: audioConcealedRatio,
  video_frames_received: { kind: 'counter', unit: 'count', description: 'werift groups: video frames shown (complete and decodable) on received streams', engines: werift },
  video_freezes: videoFreezes,
  video_freeze_ms: { kind: 'trend', unit: 'ms', description: 'werift groups: length of each video freeze (the gap between two shown frames that counted as one)', engines: werift },
  video_fps: { kind: 'trend', unit: 'count', description: 'werift groups: frames shown per second on each received video stream, every second', engines: werift },
  video_bitrate_kbps: { kind: 'trend', unit: 'count', description: 'werift groups: kilobits received per second on each received video stream (RTX included), every second', engines: werift },
  video_layer: { kind: 'trend', unit: 'count', description: 'werift groups: simulcast layer (0 lowest) each received video stream showed in each second, read from its keyframes\' size', engines: werift },
  video_keyframe_wait_ms: { kind: 'trend', unit: 'ms', description: 'werift groups: how long a received video stream waited for a keyframe: from the target announcing it (or its first packet), or from when its frame chain broke (the PLI), to the keyframe shown', engines: werift },
  video_latency_ms: { kind: 'trend', unit: 'ms', description: 'werift groups: one-way latency of received video packets (those that carry a stamp: the padding-only packets of a frame); e2e_latency_ms is audio\'s', engines: werift },
  video_nacks_sent: { kind: 'counter', unit: 'packets', description: 'werift groups: packets asked for again by NACK on received video streams', engines: werift },
  video_rtx_received: { kind: 'counter', unit: 'packets', description: 'werift groups: RTX packets (retransmissions) received on video streams', engines: werift },
  video_plis_sent: { kind: 'counter', unit: 'count', description: 'werift groups: keyframe requests (PLI) sent for received video streams', engines: werift },
  video_keyframes_sent: { kind: 'counter', unit: 'count', description: 'werift groups: keyframes sent by video publishers (all layers; on PLI/FIR, a resumed layer or keyframeInterval)', engines: werift },
  video_send_kbps: { kind: 'trend', unit: 'count', description: 'werift groups: each video publisher\'s send rate target (congestion control, all layers), every second', engines: werift },
  video_layers_sent: { kind: 'trend', unit: 'count', description: 'werift groups: simulcast layers each video publisher sends (not paused for want of bitrate), every second', engines: werift },
  ...clientChaosMetrics,
} as const satisfies Record<string, MetricInfo>;
