/** Video metrics that more than one engine measures, with one meaning. */
import type { MetricInfo } from './metric-info.js';

export const videoFreezes = {
  kind: 'counter',
  unit: 'count',
  description: 'video freezes on received streams, as Chromium\'s freezeCount counts them: a gap between shown frames over max(3 × the mean interval, the mean + 150 ms) (browsers: getStats; werift bots: the same rule on the frames they assemble)',
  engines: ['browser', 'werift'],
} as const satisfies MetricInfo;
