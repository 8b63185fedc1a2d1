/**
 * The video phase's yardstick (see run.ts): Chromium pages sending what a video bot sends (640x360 VP8,
 * 15 fps, with voice) and receiving each other, in a run against the bundled target; what one page
 * costs is its browser process tree's CPU over its open pages (`browser_cpu_percent`, from /proc).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../core/run/run.js';
import { parseScenario } from '../core/scenario/index.js';
import { config } from './config.js';
import { progress } from './progress.js';

export interface BrowserVideoBench {
  pages: number;
  /** A page's share of its Chromium process tree, median second, in % of one core. */
  cpuPercentPerPage: number;
  /** Pages one core holds at that: 100 / cpuPercentPerPage. */
  pagesPerCore: number;
  framesDecoded: number;
  harnessValid: boolean;
}

export async function measureBrowserVideo(): Promise<BrowserVideoBench> {
  const pages = 2;
  progress(`video, next to Chromium: ${pages} pages sending 640x360 VP8 at 15 fps to each other, ${config.videoSeconds} s, in a run`);
  const yaml = [
    'name: bench-video-browser',
    `duration: ${config.videoSeconds + 6}s`,
    'target: { bundled: { nodes: 1, workersPerNode: 1 } }',
    `rooms: { count: 1, size: ${pages} }`,
    'fleet:',
    `  - { engine: browser, name: pages, count: ${pages}, perProcess: ${pages}, video: { codec: vp8, width: 640, height: 360, fps: 15 } }`,
    '',
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'rtcstorm-bench-video-browser-'));
  try {
    const { report } = await runScenario(parseScenario(yaml, 'bench-video-browser.yaml'), { outDir: dir, signal: new AbortController().signal });
    const browser = report.groups['pages']?.metrics.browser;
    const cpu = browser?.browser_cpu_percent?.p50 ?? 0;
    return { pages, cpuPercentPerPage: cpu, pagesPerCore: cpu > 0 ? 100 / cpu : 0, framesDecoded: browser?.browser_video_frames_decoded ?? 0, harnessValid: report.harness.valid };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
