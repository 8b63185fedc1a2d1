/** One Chromium process (puppeteer-core), hosting the pages of one or more participants. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { findChromium } from './doctor.js';
import { awaitExit } from '../../core/processes.js';
import type { ProcessLedger } from '../../ports/process-ledger.js';
import { processTree } from './process-usage.js';

/** Prefix of each browser's profile folder, which is on its command line: how a run's Chromium processes are told apart. */
export const profilePrefix = 'rtcstorm-browser-';

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Capture from generated audio (a beep) and video (a test pattern), granted without a prompt.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // Targets are on loopback; Chromium otherwise leaves the loopback interface out of ICE.
  '--allow-loopback-in-peer-connection',
];

const launchTimeoutMs = 30_000;
/** Longer than any one call the engine makes (a join takes up to its 15 s timeout). */
const protocolTimeoutMs = 20_000;
const closeGraceMs = 5_000;

export class Chromium {
  private closing = false;

  private constructor(
    private readonly browser: Browser,
    private readonly profileDir: string,
    readonly pid: number,
  ) {}

  static async launch(processes: ProcessLedger): Promise<Chromium> {
    const executablePath = findChromium();
    if (!executablePath) throw new Error('Chromium not found: install chromium or set CHROMIUM_PATH (see: rtcstorm doctor)');
    const profileDir = mkdtempSync(join(tmpdir(), profilePrefix));
    try {
      const browser = await puppeteer.launch({
        executablePath,
        headless: true,
        // A pipe, not a debugging port: nothing listens, and Chromium exits when the run's process dies.
        pipe: true,
        userDataDir: profileDir,
        args: chromiumArgs,
        timeout: launchTimeoutMs,
        // Bounds every call into the browser: a hung one cannot hold up the run's stop for puppeteer's default 3 minutes.
        protocolTimeout: protocolTimeoutMs,
        // The run decides when browsers close (its teardown), also on Ctrl-C.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      const pid = browser.process()!.pid!;
      processes.started(pid, 'chromium');
      return new Chromium(browser, profileDir, pid);
    } catch (error) {
      rmSync(profileDir, { recursive: true, force: true });
      throw error;
    }
  }

  newPage(): Promise<Page> {
    return this.browser.newPage();
  }

  /** Called once when the browser process ends without close(): crashed or killed. */
  onExit(listener: (reason: string) => void): void {
    this.browser.process()!.once('exit', (code, signal) => {
      if (!this.closing) listener(`Chromium (pid ${this.pid}) exited with ${signal ?? `code ${code}`}`);
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const child = this.browser.process()!;
    // Renderers, GPU and utility processes outlive the browser process by a moment: all are waited for.
    const tree = processTree(this.pid);
    const kill = (): void => void child.kill('SIGKILL');
    const timer = setTimeout(kill, closeGraceMs);
    await this.browser.close().catch(kill);
    clearTimeout(timer);
    await awaitExit(tree, closeGraceMs);
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}
