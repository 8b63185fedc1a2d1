/** The video phase of the bench (see run.ts): what a video bot costs the loader, in a run of video rooms against the bundled target. */
import { config, roomOf4 } from './config.js';
import { runFleet, type VideoWindow } from './fleet-run.js';
import { progress } from './progress.js';

/** What every bot sends in this phase: a browser's default camera ladder, 640x360 in three layers at 1 Mb/s. */
export const benchVideo = '{ width: 640, height: 360, fps: 15, bitrateKbps: 1000, simulcast: 3 }';

export interface VideoBench extends VideoWindow {
  bots: number;
  roomSize: number;
  seconds: number;
  /** Fleet processes' CPU as a fraction of one core, together. */
  loaderCores: number;
  /** Video bots (voice and video, sending and receiving) one loader core holds at this load. */
  botsPerCore: number;
  /** mediasoup workers' CPU, each as a fraction of one core: on this machine the SFU shares the cores. */
  workerCores: number[];
  lagP99Ms: number;
  harnessValid: boolean;
}

export async function measureVideoBots(): Promise<VideoBench> {
  const bots = config.videoRooms * roomOf4;
  progress(`video: ${config.videoRooms} rooms of ${roomOf4} video bots (640x360, 3 layers, 1 Mb/s each), ${config.videoSeconds} s measured, in a run`);
  const run = await runFleet({ label: 'video', bots, roomSize: roomOf4, talk: 'always', measureS: config.videoSeconds, video: benchVideo });
  if (run.join.failed > 0) throw new Error(`bench: ${run.join.failed} of ${bots} video bots did not join`);
  const media = run.media!;
  return {
    ...run.video!,
    bots,
    roomSize: roomOf4,
    seconds: media.seconds,
    loaderCores: media.loaderCores,
    botsPerCore: bots / Math.max(1e-6, media.loaderCores),
    workerCores: media.workerCores,
    lagP99Ms: media.lagP99Ms,
    harnessValid: run.harnessValid,
  };
}
