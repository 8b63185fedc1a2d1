/**
 * The whole machine's CPU, from Linux's /proc/stat: what every process on it used, rtcstorm's and
 * any other's (a compiler, another test run, a noisy neighbour's steal on a VM). A loader or a
 * bundled target that shares its cores with others measures their delays too.
 */
import { readFileSync } from 'node:fs';

interface CpuTimes { busy: number; total: number }

/** The aggregate `cpu` line: user nice system idle iowait irq softirq steal …; idle and iowait are idle. */
function readTimes(): CpuTimes | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((f) => !Number.isFinite(f))) return null;
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - fields[3]! - fields[4]!, total };
  } catch {
    return null;
  }
}

export class MachineCpu {
  private last = readTimes();

  /** Percent of all the machine's cores busy since the previous call; null where /proc/stat cannot be read. */
  sample(): number | null {
    const now = readTimes();
    const before = this.last;
    this.last = now;
    if (!now || !before || now.total <= before.total) return null;
    return (100 * (now.busy - before.busy)) / (now.total - before.total);
  }
}
