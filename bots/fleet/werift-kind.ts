/** The werift engine as the domain sees it: its group, seated in the rooms; its metrics are the run's own. */
import type { EngineKind } from '../../core/scenario/engine-kind.js';
import { weriftGroup, type WeriftGroup } from './werift-group.js';

export type { WeriftGroup } from './werift-group.js';

// The run's own metrics are all a werift bot measures.
const none: Record<never, never> = {};

export const weriftKind = {
  engine: 'werift',
  group: weriftGroup,
  metrics: none,
  rates: {},
  report: { shape: none, read: () => ({}) },
  seats: (group) => ({ engine: 'werift', count: group.count, rampUpMs: group.rampUpMs, speakers: group.speakers, audio: group.audio, talk: group.talk, video: null }),
  problems: () => [],
} as const satisfies EngineKind<'werift', WeriftGroup, typeof none, typeof none>;
