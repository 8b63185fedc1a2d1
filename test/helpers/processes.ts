import { readdirSync, readFileSync } from 'node:fs';

/** Command lines of live processes that belong to rtcstorm runs (SFU nodes, fleet processes, workers). */
export function projectProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    if (/mediasoup-worker|fleet-process\.js|node-main\.js/.test(cmdline)) found.push(`${pid} ${cmdline}`);
  }
  return found;
}

/** Polls until no project process is left, or the deadline passes; returns what is left. */
export async function waitForNoProjectProcesses(timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = projectProcesses();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = projectProcesses();
  }
  return left;
}
