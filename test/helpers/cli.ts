/** Runs the real CLI as a user would, in a child process, and collects what it printed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledPath } from '../../core/paths.js';

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface CliRun { child: ChildProcess; result: Promise<CliResult> }

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, [compiledPath('bin/rtcstorm.ts'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, result };
}

let marked = 0;

/**
 * Starts the CLI with a marker (NAME=VALUE) in its environment: every process it starts inherits
 * it (fleet processes, SFU nodes, mediasoup workers, Chromium, k6), so `processesWithEnv(marker)`
 * finds what this run, and no run next to it, started.
 */
export function startMarkedCli(args: string[], env: NodeJS.ProcessEnv = {}): { run: CliRun; marker: string } {
  const value = `${process.pid}-${++marked}-${Date.now()}`;
  return { run: startCli(args, { ...env, RTCSTORM_TEST_RUN: value }), marker: `RTCSTORM_TEST_RUN=${value}` };
}

export function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return startCli(args, env).result;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `rtcstorm-${prefix}-`));
}

/** Writes a scenario file into a fresh temp folder and returns its path. */
export function writeScenario(yaml: string): string {
  const file = join(tempDir('scenario'), 'scenario.yaml');
  writeFileSync(file, yaml);
  return file;
}
