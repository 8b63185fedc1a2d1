/**
 * CPU and memory of a browser: its process and every descendant (renderers, GPU, network and audio
 * services), read from Linux /proc. A page's own renderer cannot be told apart from CDP, and the
 * capture, encoding and networking a participant costs run in other processes anyway.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc reports CPU time in these ticks; 100 on every mainstream Linux. */
const ticksPerSecond = 100;

export interface Usage { cpuPercent: number; memoryMb: number }

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process is gone
  }
}

/** Fields of /proc/<pid>/stat after "pid (comm) ", which may itself hold spaces and parentheses. */
function statFields(pid: number): string[] | undefined {
  const text = readText(`/proc/${pid}/stat`);
  return text?.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** `root` and all its descendants that are alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    const parent = Number.isInteger(pid) ? statFields(pid)?.[1] : undefined;
    if (parent !== undefined) children.set(Number(parent), [...(children.get(Number(parent)) ?? []), pid]);
  }
  const tree: number[] = [];
  for (let queue = [root]; queue.length > 0; ) {
    const pid = queue.pop()!;
    tree.push(pid);
    queue = queue.concat(children.get(pid) ?? []);
  }
  return tree;
}

/** utime + stime in ticks (stat fields 14 and 15). */
function cpuTicks(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields && Number(fields[11]) + Number(fields[12]);
}

/** Proportional set size: shared pages are split between the processes sharing them, so a sum over processes is fair. */
function pssKb(pid: number): number {
  const match = /^Pss:\s+(\d+) kB/m.exec(readText(`/proc/${pid}/smaps_rollup`) ?? '');
  return match ? Number(match[1]) : 0;
}

export class ProcessTreeUsage {
  private ticks = new Map<number, number>();
  private sampledAt = performance.now();

  constructor(private readonly root: number) {
    this.sample();
  }

  /** CPU since the previous call (100 = one core) and memory now; undefined once the root process is gone. */
  sample(): Usage | undefined {
    const now = performance.now();
    const ticks = new Map<number, number>();
    let memoryKb = 0;
    for (const pid of statFields(this.root) ? processTree(this.root) : []) {
      const t = cpuTicks(pid);
      if (t === undefined) continue;
      ticks.set(pid, t);
      memoryKb += pssKb(pid);
    }
    // Processes that ended since the last call take their ticks with them; ones started since count from 0.
    let spent = 0;
    for (const [pid, t] of ticks) spent += t - (this.ticks.get(pid) ?? 0);
    const elapsedS = (now - this.sampledAt) / 1000;
    this.ticks = ticks;
    this.sampledAt = now;
    if (ticks.size === 0 || elapsedS <= 0) return undefined;
    return { cpuPercent: (spent / ticksPerSecond / elapsedS) * 100, memoryMb: memoryKb / 1024 };
  }
}
