/** The plan's model: which bot joins which room at what time (made by plan.ts, capacity-plan.ts). */
import type { AudioSpec, TalkSpec, VideoSpec } from '../scenario/index.js';

export interface BotPlan {
  /** Global index, unique in the run; also the sender id in media packets. */
  id: number;
  /** The engine that seats this participant (its kind's name): `werift` (a bot) or `browser` (a Chromium page). */
  engine: string;
  group: string;
  room: number;
  /** Join time, ms after the run's start. */
  joinAtMs: number;
  audio: AudioSpec;
  /** Browsers only; werift bots publish audio alone. */
  video: VideoSpec | null;
  /** Listeners only subscribe, as the audience of a stage. */
  role: 'speaker' | 'listener';
  talk: TalkSpec;
}

export interface RunPlan {
  seed: number;
  rooms: number;
  bots: BotPlan[];
}
