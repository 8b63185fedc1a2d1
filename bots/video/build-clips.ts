/** Set-up's step that encodes the video bots' VP8 clips once per machine (bots/video/clips.ts). */
import { clipLadder, clipPath, videoClip } from './clips.js';

for (const { width, height } of clipLadder) {
  const clip = videoClip(width, height);
  const bytes = clip.frames.reduce((n, f) => n + f.length, 0);
  console.log(`[setup] VP8 clip ${width}x${height}: ${clip.frames.length} frames, keyframe ${clip.frames[0]?.length ?? 0} B, mean ${Math.round(bytes / clip.frames.length)} B (${clipPath(width, height)})`);
}
