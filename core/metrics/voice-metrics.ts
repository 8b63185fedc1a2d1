/** Voice metrics that more than one engine measures, with one meaning. */
import type { MetricInfo } from './metric-info.js';

export const audioConcealedRatio = {
  kind: 'trend',
  unit: 'ratio',
  description: 'concealed / played audio samples of each received stream, every second: samples of lost packets and of packets too late for the jitter buffer (browsers: getStats concealedSamples / totalSamplesReceived; werift bots: their playout model, bots/voice/playout-model.ts)',
  engines: ['browser', 'werift'],
} as const satisfies MetricInfo;
