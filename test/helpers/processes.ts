import { setTimeout as sleep } from 'node:timers/promises';
import { readdirSync, readFileSync } from 'node:fs';

/** Command lines of live processes that belong to rtcstorm runs (SFU nodes, fleet processes, workers, browsers). */
export function projectProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    if (/mediasoup-worker|fleet-process\.js|node-main\.js|--user-data-dir=\S*rtcstorm-browser-/.test(cmdline)) found.push(`${pid} ${cmdline}`);
  }
  return found;
}

/** Polls until no project process is left, or the deadline passes; returns what is left. */
export async function waitForNoProjectProcesses(timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = projectProcesses();
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(200);
    left = projectProcesses();
  }
  return left;
}

/**
 * Live processes whose environment holds `entry` (NAME=VALUE). Children inherit their parent's
 * environment (fleet processes, SFU nodes, mediasoup workers, k6), so a marker passed to one CLI run
 * finds what that run left behind, and nothing from runs next to it.
 */
export function processesWithEnv(entry: string): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
      } catch {
        return false;
      }
    });
}

/** Polls until no process holds `entry` in its environment, or the deadline passes; returns the pids left. */
export async function waitForNoProcessesWithEnv(entry: string, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = processesWithEnv(entry);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(200);
    left = processesWithEnv(entry);
  }
  return left;
}
