/** What browser groups measure: Chromium's own view (getStats) and its CPU and memory. */
import type { MetricInfo } from '../../core/metrics/metric-info.js';
import { videoFreezes } from '../../core/metrics/video-metrics.js';
import { audioConcealedRatio } from '../../core/metrics/voice-metrics.js';

export const browserMetrics = {
  browser_rtp_packets_lost: { kind: 'counter', unit: 'packets', description: 'browser groups: RTP packets lost on received streams (audio and video), as the browser counts them (getStats inbound-rtp)', engines: ['browser'] },
  browser_rtp_jitter_ms: { kind: 'trend', unit: 'ms', description: 'browser groups: jitter of each received RTP stream as the browser computes it (getStats inbound-rtp), every second', engines: ['browser'] },
  browser_jitter_buffer_delay_ms: { kind: 'trend', unit: 'ms', description: 'browser groups: mean time an audio sample emitted in each second spent in the jitter buffer, per received stream', engines: ['browser'] },
  audio_concealed_ratio: audioConcealedRatio,
  audio_concealment_events: { kind: 'counter', unit: 'count', description: 'browser groups: concealment events (runs of concealed audio samples) on received streams', engines: ['browser'] },
  video_freezes: videoFreezes,
  browser_video_frames_decoded: { kind: 'counter', unit: 'count', description: 'browser groups: video frames Chromium decoded on received streams (getStats framesDecoded)', engines: ['browser'] },
  video_frames_dropped: { kind: 'counter', unit: 'count', description: 'browser groups: received video frames dropped before rendering (getStats framesDropped)', engines: ['browser'] },
  rtt_ms: { kind: 'trend', unit: 'ms', description: 'browser groups: round-trip time to the SFU of each sent stream, from RTCP receiver reports (getStats remote-inbound-rtp), every second', engines: ['browser'] },
  browser_cpu_percent: { kind: 'trend', unit: 'percent', description: 'browser groups: CPU of a browser process tree (browser, renderers, GPU, services) per open page, every second (100 = one core)', engines: ['browser'] },
  browser_memory_mb: { kind: 'trend', unit: 'MB', description: 'browser groups: proportional memory (PSS) of a browser process tree per open page, every second', engines: ['browser'] },
} as const satisfies Record<string, MetricInfo>;
