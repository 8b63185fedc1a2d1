/**
 * Real VP8 for video bots: short clips of a moving test pattern, encoded once per machine by libvpx
 * (Debian's vpxenc, installed by set-up) and cached, then replayed frame by frame. A clip has one
 * keyframe, its first frame: a bot that must send a keyframe starts the clip over.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../../core/paths.js';
import { readIvf, type IvfFile } from './ivf.js';

/** The clips a simulcast ladder uses: full, ½ and ¼ of 640×360, each encoded well under its layer's bitrate so padding makes up the rest. */
export const clipLadder = [
  { width: 640, height: 360, encodeKbps: 150 },
  { width: 320, height: 180, encodeKbps: 60 },
  { width: 160, height: 90, encodeKbps: 25 },
] as const;

export const clipFps = 15;
/** 20 s at 15 fps: the clip starts over (with its keyframe) this often at most. */
export const clipFrames = 300;
// Bump when the pattern or the encoder settings change, so cached clips are made again.
const clipVersion = 1;

export function clipPath(width: number, height: number): string {
  return join(cacheRoot(), 'video', `vp8-${width}x${height}-${clipFrames}f-v${clipVersion}.ivf`);
}

/** One I420 frame of the pattern: a luma ramp sliding sideways, a bright square crossing it, colour that drifts. */
function patternFrame(width: number, height: number, index: number): Buffer {
  const frame = Buffer.allocUnsafe((width * height * 3) / 2);
  const shift = index * 2;
  const side = Math.max(8, Math.floor(height / 4));
  const squareX = (index * 4) % Math.max(1, width - side);
  const squareY = Math.floor((height - side) / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inSquare = x >= squareX && x < squareX + side && y >= squareY && y < squareY + side;
      frame[y * width + x] = inSquare ? 235 : 16 + (((x + shift) * 3 + y) % 200);
    }
  }
  const chroma = (width / 2) * (height / 2);
  frame.fill(128 + Math.round(40 * Math.sin(index / 20)), width * height, width * height + chroma);
  frame.fill(128 + Math.round(40 * Math.cos(index / 20)), width * height + chroma);
  return frame;
}

function encodeClip(width: number, height: number, encodeKbps: number, out: string): void {
  const raw = `${out}.${process.pid}.yuv`;
  const partial = `${out}.${process.pid}.part`;
  mkdirSync(join(cacheRoot(), 'video'), { recursive: true });
  const fd = openSync(raw, 'w');
  try {
    for (let i = 0; i < clipFrames; i++) writeSync(fd, patternFrame(width, height, i));
  } finally {
    closeSync(fd);
  }
  try {
    execFileSync(
      'vpxenc',
      ['--codec=vp8', '--ivf', '--rt', '--cpu-used=8', '--end-usage=cbr', `--target-bitrate=${encodeKbps}`, '--kf-max-dist=100000', '--lag-in-frames=0',
        `--width=${width}`, `--height=${height}`, `--fps=${clipFps}/1`, `--limit=${clipFrames}`, '--quiet', '-o', partial, raw],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    renameSync(partial, out);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? 'vpxenc not found: video bots replay VP8 clips that set-up encodes with it (Debian package vpx-tools; run npm run setup)' : `vpxenc failed for ${width}x${height}: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  } finally {
    rmSync(raw, { force: true });
    rmSync(partial, { force: true });
  }
}

/** Clips read in this process: every bot of a fleet process replays the same few. */
const loaded = new Map<string, IvfFile>();

/** The clip of a ladder size, encoded first if this machine has none. */
export function videoClip(width: number, height: number): IvfFile {
  const rung = clipLadder.find((c) => c.width === width && c.height === height);
  if (!rung) throw new Error(`no VP8 clip of ${width}x${height}: the ladder has ${clipLadder.map((c) => `${c.width}x${c.height}`).join(', ')}`);
  const path = clipPath(width, height);
  let clip = loaded.get(path);
  if (!clip) {
    if (!existsSync(path)) encodeClip(width, height, rung.encodeKbps, path);
    clip = readIvf(readFileSync(path));
    loaded.set(path, clip);
  }
  return clip;
}

/** Makes sure every clip of the ladder is on disk (encoding takes seconds: not inside a run's clock). */
export function ensureVideoClips(): void {
  for (const { width, height, encodeKbps } of clipLadder) {
    const path = clipPath(width, height);
    if (!existsSync(path)) encodeClip(width, height, encodeKbps, path);
  }
}
