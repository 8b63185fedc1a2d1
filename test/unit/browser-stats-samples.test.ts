import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InboundStats, PageStats } from '../../bots/browser/page-api.js';
import { PageStatsDeltas, type StatsSample } from '../../bots/browser/stats-samples.js';

function inbound(id: string, kind: 'audio' | 'video', values: Partial<InboundStats>): InboundStats {
  const zero = { packetsReceived: 0, packetsLost: 0, jitterS: 0, jitterBufferDelayS: 0, jitterBufferEmittedCount: 0, totalSamplesReceived: 0, concealedSamples: 0, concealmentEvents: 0, freezeCount: 0, framesDropped: 0, framesDecoded: 0 };
  return { id, kind, ...zero, ...values };
}

function byMetric(samples: StatsSample[]): Record<string, number> {
  return Object.fromEntries(samples.map((s) => [s.metric, 'value' in s ? s.value : s.count]));
}

describe('per-second samples from getStats() totals', () => {
  it('turns audio totals into this second’s jitter buffer delay per sample, concealment and loss', () => {
    const deltas = new PageStatsDeltas();
    const first: PageStats = { inbound: [inbound('a', 'audio', { packetsReceived: 50, packetsLost: 1, jitterS: 0.004, jitterBufferDelayS: 960, jitterBufferEmittedCount: 48000, totalSamplesReceived: 48000, concealedSamples: 480, concealmentEvents: 1 })], sent: [] };
    deltas.next(first);
    const second: PageStats = { inbound: [inbound('a', 'audio', { packetsReceived: 100, packetsLost: 3, jitterS: 0.006, jitterBufferDelayS: 960 + 2400, jitterBufferEmittedCount: 96000, totalSamplesReceived: 96000, concealedSamples: 480 + 4800, concealmentEvents: 3 })], sent: [] };
    assert.deepEqual(byMetric(deltas.next(second)), {
      browser_rtp_packets_lost: 2,
      browser_rtp_jitter_ms: 6,
      browser_jitter_buffer_delay_ms: 50,
      audio_concealed_ratio: 0.1,
      audio_concealment_events: 2,
    });
  });

  it('counts video freezes, dropped and decoded frames, and no jitter for a stream that received nothing', () => {
    const deltas = new PageStatsDeltas();
    deltas.next({ inbound: [inbound('v', 'video', { packetsReceived: 10, freezeCount: 1, framesDropped: 2, framesDecoded: 30, jitterS: 0.01 })], sent: [] });
    const samples = deltas.next({ inbound: [inbound('v', 'video', { packetsReceived: 10, freezeCount: 2, framesDropped: 5, framesDecoded: 45, jitterS: 0.01 })], sent: [] });
    assert.deepEqual(byMetric(samples), { video_freezes: 1, video_frames_dropped: 3, browser_video_frames_decoded: 15 });
  });

  it('a stream seen for the first time counts from its start; a lower loss total (late packets) counts nothing', () => {
    const deltas = new PageStatsDeltas();
    assert.deepEqual(byMetric(deltas.next({ inbound: [inbound('a', 'audio', { packetsLost: 4 })], sent: [] })), { browser_rtp_packets_lost: 4 });
    assert.deepEqual(byMetric(deltas.next({ inbound: [inbound('a', 'audio', { packetsLost: 3 })], sent: [] })), {});
  });

  it('samples a round-trip time only when a new measurement arrived', () => {
    const deltas = new PageStatsDeltas();
    assert.deepEqual(byMetric(deltas.next({ inbound: [], sent: [{ id: 's', roundTripTimeS: 0.002, roundTripTimeMeasurements: 1 }] })), { rtt_ms: 2 });
    assert.deepEqual(deltas.next({ inbound: [], sent: [{ id: 's', roundTripTimeS: 0.002, roundTripTimeMeasurements: 1 }] }), []);
    assert.deepEqual(byMetric(deltas.next({ inbound: [], sent: [{ id: 's', roundTripTimeS: 0.003, roundTripTimeMeasurements: 2 }] })), { rtt_ms: 3 });
  });
});
