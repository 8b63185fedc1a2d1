/**
 * Every process a run starts, written down as it starts (one JSON file per run under the cache
 * dir), and the processes it stops with SIGSTOP, written down before they are stopped. A run killed
 * with `kill -9` cannot end them itself, and a stopped process cannot notice that its parent died:
 * the next run, and `rtcstorm doctor --cleanup`, resume and end what a dead run's record lists.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../paths.js';
import { isRunning, processId, type ProcessId } from '../processes.js';
import type { ProcessLedger } from '../../ports/process-ledger.js';

interface LedgerEntry extends ProcessId { what: string; paused: boolean }

interface LedgerRecord { owner: ProcessId; processes: LedgerEntry[] }

function ledgerDir(): string {
  return join(cacheRoot(), 'runs');
}

export class RunLedger implements ProcessLedger {
  private readonly entries = new Map<number, LedgerEntry>();
  private readonly file: string;
  private readonly owner: ProcessId;

  constructor(tag: string) {
    this.file = join(ledgerDir(), `${tag}.json`);
    this.owner = processId(process.pid) ?? { pid: process.pid, startTicks: 0 };
    this.write();
  }

  started(pid: number, what: string): void {
    const id = processId(pid);
    if (!id) return;
    this.entries.set(pid, { ...id, what, paused: false });
    this.write();
  }

  pausing(pids: number[]): void {
    for (const pid of pids) {
      const id = processId(pid);
      if (id) this.entries.set(pid, { ...id, what: this.entries.get(pid)?.what ?? 'paused process', paused: true });
    }
    this.write();
  }

  resumed(pids: number[]): void {
    for (const pid of pids) {
      const entry = this.entries.get(pid);
      if (entry) entry.paused = false;
    }
    this.write();
  }

  /**
   * The run is over: what it ended is dropped. A process still alive (a teardown that failed) stays
   * listed, for the next run or `doctor --cleanup` to end once this one has exited.
   */
  close(): void {
    for (const [pid, entry] of this.entries) if (!isRunning(entry)) this.entries.delete(pid);
    if (this.entries.size > 0) this.write();
    else rmSync(this.file, { force: true });
  }

  private write(): void {
    mkdirSync(ledgerDir(), { recursive: true });
    const record: LedgerRecord = { owner: this.owner, processes: [...this.entries.values()] };
    // Whole or not at all: a run killed while writing leaves the previous record, not half of one.
    writeFileSync(`${this.file}.tmp`, `${JSON.stringify(record)}\n`);
    renameSync(`${this.file}.tmp`, this.file);
  }
}

/** Records of runs that no longer run, by file. */
function deadRecords(): Map<string, LedgerRecord> {
  const dead = new Map<string, LedgerRecord>();
  let files: string[];
  try {
    files = readdirSync(ledgerDir()).filter((f) => f.endsWith('.json'));
  } catch {
    return dead;
  }
  for (const file of files) {
    const path = join(ledgerDir(), file);
    try {
      const record = JSON.parse(readFileSync(path, 'utf8')) as LedgerRecord;
      if (!isRunning(record.owner)) dead.set(path, record);
    } catch {
      rmSync(path, { force: true });
    }
  }
  return dead;
}

/** Processes dead runs left running or paused: what `doctor` reports. */
export function leftoverProcesses(): Array<LedgerEntry & { run: number }> {
  return [...deadRecords().values()].flatMap((record) => record.processes.filter(isRunning).map((p) => ({ ...p, run: record.owner.pid })));
}

/** Resumes and ends every process a dead run left; returns what it ended, one line each. */
export function sweepDeadRuns(): string[] {
  const ended: string[] = [];
  for (const [path, record] of deadRecords()) {
    for (const p of record.processes.filter(isRunning)) {
      try {
        // SIGKILL ends a stopped process too; SIGCONT first, so none stays stopped should the kill be refused.
        process.kill(p.pid, 'SIGCONT');
        process.kill(p.pid, 'SIGKILL');
        ended.push(`${p.what} (pid ${p.pid}${p.paused ? ', paused' : ''}) left by run pid ${record.owner.pid}`);
      } catch {
        // Gone meanwhile.
      }
    }
    rmSync(path, { force: true });
  }
  return ended;
}
