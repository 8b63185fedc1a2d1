/**
 * The k6 engine: runs the scenario's k6 script in a k6 process next to the bots, and merges what
 * k6 measured into the run's MetricStore when it stops. All k6 groups share one k6 process (each is
 * one k6 scenario); its files stay in the run's output folder, under k6/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { diesWithParent } from '../../core/processes.js';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findK6, k6InstallHint } from './doctor.js';
import type { MetricStore } from '../../core/metrics/store.js';
import type { Engine, EngineContext, EngineProgress, SkippedGroup } from '../../ports/engine.js';
import type { Scenario } from '../../core/scenario/index.js';
import type { K6Group } from './k6-group.js';
import { importK6Output } from './k6-output.js';
import { k6Groups, k6ScriptText } from './script-text.js';

/** k6 stops gracefully on SIGINT (and exits 105, "external abort"); past this it is killed. */
const stopGraceMs = 10_000;
const externalAbortExitCode = 105;

function notFoundReason(): string {
  const explicit = process.env['K6_BIN'];
  return explicit ? `k6 not found: K6_BIN=${explicit} does not exist` : 'k6 not found: K6_BIN is not set and no k6 is on the PATH';
}

export interface K6Preparation { engines: Engine[]; skipped: SkippedGroup[] }

/**
 * The k6 engine for a scenario's k6 groups, if k6 is installed. Without k6 the groups are skipped,
 * unless one is `required`: then this throws, before anything was started.
 */
export function prepareK6(scenario: Scenario, outDir: string): K6Preparation {
  const groups = k6Groups(scenario);
  if (groups.length === 0) return { engines: [], skipped: [] };
  const k6 = findK6();
  if (k6 !== undefined) return { engines: [new K6Engine(k6, groups, join(outDir, 'k6'))], skipped: [] };
  const reason = notFoundReason();
  const required = groups.filter((group) => group.required).map((group) => `"${group.name}"`);
  if (required.length > 0) throw new Error(`k6 group ${required.join(', ')} is required but ${reason}; ${k6InstallHint}`);
  return { engines: [], skipped: groups.map((group) => ({ group: group.name, engine: 'k6', reason, hint: k6InstallHint })) };
}

interface Exit { code: number | null; signal: NodeJS.Signals | null; error?: Error }

export class K6Engine implements Engine {
  readonly name = 'k6';
  private running: { child: ChildProcess; exited: Promise<Exit>; store: MetricStore } | undefined;
  private exit: Exit | undefined;
  private interrupted = false;

  constructor(
    private readonly k6Path: string,
    private readonly groups: readonly K6Group[],
    private readonly dir: string,
  ) {}

  /** What k6 reads and writes, kept for the user next to report.json. */
  get files(): { script: string; output: string; summary: string; log: string } {
    return { script: join(this.dir, 'script.js'), output: join(this.dir, 'output.json'), summary: join(this.dir, 'summary.json'), log: join(this.dir, 'k6.log') };
  }

  async start(context: EngineContext): Promise<void> {
    const { files } = this;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(files.script, k6ScriptText(context.scenario, { signallingUrl: context.signallingUrl, tag: context.runTag }));
    const args = [
      'run',
      '--quiet',
      '--no-usage-report',
      '--out', `json=${files.output}`,
      '--summary-export', files.summary,
      // For custom scripts: where to connect and how to name rooms.
      '--env', `RTCSTORM_SIGNALLING_URL=${context.signallingUrl}`,
      '--env', `RTCSTORM_ROOM_PREFIX=${context.runTag}-k6-`,
      files.script,
    ];
    const log = openSync(files.log, 'w');
    const k6 = diesWithParent(this.k6Path, args);
    const child = spawn(k6.command, k6.args, { stdio: ['ignore', log, log] });
    closeSync(log);
    if (child.pid !== undefined) context.processes.started(child.pid, `k6 (${this.groups.map((g) => g.name).join(', ')})`);
    const exited = new Promise<Exit>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    }).then((exit) => (this.exit = exit));
    this.running = { child, exited, store: context.store };
  }

  async stop(): Promise<void> {
    if (this.running === undefined) return;
    const { child, exited, store } = this.running;
    // Once: a second stop must not import the output again.
    this.running = undefined;
    if (this.exit === undefined) {
      this.interrupted = true;
      child.kill('SIGINT');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
    await exited;
    clearTimeout(timer);
    if (existsSync(this.files.output)) await importK6Output(this.files.output, store, new Set(this.groups.map((group) => group.name)));
  }

  /** k6 VUs are not bots: they have no media connection to count. */
  progress(): EngineProgress {
    return { connected: 0, joined: 0, failed: 0 };
  }

  crashes(): string[] {
    const exit = this.exit;
    if (exit === undefined || exit.code === 0 || (this.interrupted && (exit.code === externalAbortExitCode || exit.signal === 'SIGINT'))) return [];
    const how = exit.error ? `did not start: ${exit.error.message}` : `exited with ${exit.signal ?? `code ${exit.code}`}`;
    return [`k6 ${how}${this.lastLogLine()}`];
  }

  private lastLogLine(): string {
    if (!existsSync(this.files.log)) return '';
    const last = readFileSync(this.files.log, 'utf8').trim().split('\n').at(-1);
    return last ? `: ${last} (log: ${this.files.log})` : '';
  }
}
