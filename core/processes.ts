/**
 * Processes on Linux, by pid and start time: a pid alone may have been reused by the time a record
 * of it is read again, its start time (clock ticks since boot) tells.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Field 22 of /proc/PID/stat, counted after the command name, which may itself hold spaces; undefined when gone. */
export function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has ended; only its exit status is left for its parent to collect.
    return fields[0] === 'Z' ? undefined : Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** A process as recorded: its pid and when it started. */
export interface ProcessId { pid: number; startTicks: number }

export function processId(pid: number): ProcessId | undefined {
  const ticks = startTicks(pid);
  return ticks === undefined ? undefined : { pid, startTicks: ticks };
}

const pageBytes = 4096;
const ticksPerSecond = 100;

/** CPU (ms, user and system) and RSS (bytes) of a process from /proc; undefined when it is gone. */
export function processUsage(pid: number): { cpuMs: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond, rssBytes: Number(fields[21]) * pageBytes };
  } catch {
    return undefined;
  }
}

export function isRunning(p: ProcessId): boolean {
  return startTicks(p.pid) === p.startTicks;
}

/** Waits until none of `pids` runs (or is only a zombie), up to `timeoutMs`; returns those still running. */
export async function waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter((pid) => startTicks(pid) !== undefined);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(10);
    left = left.filter((pid) => startTicks(pid) !== undefined);
  }
  return left;
}

const setprivPaths = ['/usr/bin/setpriv', '/bin/setpriv'];

/**
 * The command line that runs `command` so that the kernel kills it when the process that started
 * it dies, even by SIGKILL (util-linux's setpriv sets PR_SET_PDEATHSIG, then execs the command).
 * For programs that cannot watch their parent themselves; where setpriv is missing, unchanged.
 */
export function diesWithParent(command: string, args: string[]): { command: string; args: string[] } {
  const setpriv = setprivPaths.find((path) => existsSync(path));
  return setpriv ? { command: setpriv, args: ['--pdeathsig', 'KILL', '--', command, ...args] } : { command, args };
}

/** Waits up to `graceMs` for `pids` to exit by themselves, then kills what is left and waits for that. */
export async function awaitExit(pids: number[], graceMs: number): Promise<void> {
  for (const pid of await waitForExit(pids, graceMs)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  await waitForExit(pids, graceMs);
}

/** Finds an executable: an explicit path from the environment (when `envVar` names one), else the PATH. */
export function findExecutable(names: string[], envVar?: string): string | undefined {
  const explicit = envVar === undefined ? undefined : process.env[envVar];
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/** Keeps the last lines a child writes (stdout and stderr) for error messages; the function gives the latest ten. */
export function keepLastLines(child: ChildProcess, kept = 30): () => string {
  const log: string[] = [];
  const keep = (data: Buffer): void => {
    for (const line of data.toString().split('\n')) if (line.trim()) log.push(line);
    log.splice(0, Math.max(0, log.length - kept));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => log.slice(-10).join('\n');
}
