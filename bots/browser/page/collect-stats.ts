/** The getStats() fields rtcstorm reports, as cumulative values (bots/browser/stats-samples.ts makes them per second). */
import type { InboundStats, PageStats } from '../page-api.js';

type Stat = Record<string, unknown>;

function numberOf(stat: Stat, key: string): number {
  const value = stat[key];
  return typeof value === 'number' ? value : 0;
}

function inbound(stat: Stat): InboundStats {
  return {
    id: String(stat['id']),
    kind: stat['kind'] === 'video' ? 'video' : 'audio',
    packetsReceived: numberOf(stat, 'packetsReceived'),
    packetsLost: numberOf(stat, 'packetsLost'),
    jitterS: numberOf(stat, 'jitter'),
    jitterBufferDelayS: numberOf(stat, 'jitterBufferDelay'),
    jitterBufferEmittedCount: numberOf(stat, 'jitterBufferEmittedCount'),
    totalSamplesReceived: numberOf(stat, 'totalSamplesReceived'),
    concealedSamples: numberOf(stat, 'concealedSamples'),
    concealmentEvents: numberOf(stat, 'concealmentEvents'),
    freezeCount: numberOf(stat, 'freezeCount'),
    framesDropped: numberOf(stat, 'framesDropped'),
    framesDecoded: numberOf(stat, 'framesDecoded'),
  };
}

export async function collectStats(connections: RTCPeerConnection[]): Promise<PageStats> {
  const stats: PageStats = { inbound: [], sent: [] };
  for (const report of await Promise.all(connections.map((pc) => pc.getStats()))) {
    report.forEach((stat: Stat) => {
      if (stat['type'] === 'inbound-rtp') stats.inbound.push(inbound(stat));
      if (stat['type'] === 'remote-inbound-rtp' && typeof stat['roundTripTime'] === 'number') {
        stats.sent.push({ id: String(stat['id']), roundTripTimeS: stat['roundTripTime'], roundTripTimeMeasurements: numberOf(stat, 'roundTripTimeMeasurements') });
      }
    });
  }
  return stats;
}
