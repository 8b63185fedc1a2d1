/** The fleet processes a run started from this process, read from /proc (Linux): which, and their RSS. */
import { readdirSync, readFileSync } from 'node:fs';

const fleetEntry = 'bots/fleet/fleet-process.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Children of this process running the fleet-process entry point, as `Fleet` forks them. */
export function fleetPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    // Fields after the command name, which is in parentheses and may hold spaces: state, ppid, …
    const ppid = stat === undefined ? NaN : Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== process.pid) continue;
    if (read(`/proc/${name}/cmdline`)?.includes(fleetEntry)) pids.push(Number(name));
  }
  return pids;
}

/** Resident set of these processes together, in MB; NaN when none of them could be read. */
export function rssOfMB(pids: number[]): number {
  let kB = 0;
  let read0 = false;
  for (const pid of pids) {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(read(`/proc/${pid}/status`) ?? '');
    if (!match) continue;
    kB += Number(match[1]);
    read0 = true;
  }
  return read0 ? kB / 1024 : NaN;
}
