/**
 * A run's journal: what it measured, appended to `journal.ndjson` in its output folder as it
 * arrives, one JSON line per record, so that a run killed without a chance to write its report
 * (kill -9, a power cut of the harness's machine aside) still has one: `rtcstorm report DIR`
 * builds it from here. Each second is written whole once it has ended, and again only if late
 * samples change it; the last copy of a second is all of it. One write per flush, about one a second.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricStore, SerializedBucket } from '../../core/metrics/store.js';
import type { ShardSpec } from '../../core/plan/plan.js';
import type { Report, ServerNodeSeries } from '../report-types.js';

export const journalFileName = 'journal.ndjson';
const journalVersion = 1;

/** What a report needs that the measurements do not hold, known when the run starts. */
export interface JournalHeader {
  kind: 'run';
  version: typeof journalVersion;
  scenario: { file: string | null; seed: number; source: string; files?: Record<string, string> };
  shard: ShardSpec | null;
  startedAtMs: number;
  /** As RunFacts.machineCores: the cores of the machine the run ran on. */
  machineCores: number | null;
  skipped: Report['skipped'];
}

type ServerPoint = ServerNodeSeries['points'][number];

export type JournalLine =
  | JournalHeader
  | { kind: 'start'; startMs: number; targetUrls: string[]; targetSoftware?: string }
  | { kind: 'second'; bucket: SerializedBucket }
  | { kind: 'server'; nodeId: string; point: ServerPoint };

/** What keeping the journal cost the run process: its flushes' CPU and the bytes they wrote. */
export interface JournalCost { flushes: number; cpuUs: number; bytes: number }

export class RunJournal {
  private readonly serverPointsWritten = new Map<string, number>();
  private fd: number | undefined;
  readonly cost: JournalCost = { flushes: 0, cpuUs: 0, bytes: 0 };

  private constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Creates the output folder and the journal in it, with the run's header. */
  static create(outDir: string, header: Omit<JournalHeader, 'kind' | 'version'>): RunJournal {
    mkdirSync(outDir, { recursive: true });
    const journal = new RunJournal(join(outDir, journalFileName));
    journal.write([{ kind: 'run', version: journalVersion, ...header }]);
    return journal;
  }

  started(startMs: number, targetUrls: string[], targetSoftware?: string): void {
    this.write([{ kind: 'start', startMs, targetUrls, ...(targetSoftware ? { targetSoftware } : {}) }]);
  }

  /** Appends the seconds before `beforeSecond` that changed since the last flush, and the target's new points. */
  flush(store: MetricStore, server: ServerNodeSeries[], beforeSecond = Number.POSITIVE_INFINITY): void {
    const before = process.cpuUsage();
    const lines: JournalLine[] = store.takeChanged(beforeSecond).map((bucket) => ({ kind: 'second', bucket }));
    for (const node of server) {
      const written = this.serverPointsWritten.get(node.nodeId) ?? 0;
      for (const point of node.points.slice(written)) lines.push({ kind: 'server', nodeId: node.nodeId, point });
      this.serverPointsWritten.set(node.nodeId, node.points.length);
    }
    this.cost.bytes += this.write(lines);
    const used = process.cpuUsage(before);
    this.cost.flushes++;
    this.cost.cpuUs += used.user + used.system;
  }

  /** Returns the bytes written. */
  private write(lines: JournalLine[]): number {
    if (this.fd === undefined || lines.length === 0) return 0;
    return writeSync(this.fd, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The report is written: the journal has nothing it lacks. */
  remove(): void {
    this.close();
    rmSync(this.path, { force: true });
  }
}

/** A journal read back: the header, when the fleet started, every second's last copy, the target's points. */
export interface Journal {
  header: JournalHeader;
  start: { startMs: number; targetUrls: string[]; targetSoftware?: string } | null;
  seconds: SerializedBucket[];
  server: ServerNodeSeries[];
}

export class JournalReadError extends Error {
  override readonly name = 'JournalReadError';
}

export function readJournal(path: string): Journal {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  let header: JournalHeader | undefined;
  let start: Journal['start'] = null;
  const seconds = new Map<number, SerializedBucket>();
  const server = new Map<string, ServerNodeSeries>();
  lines.forEach((text, index) => {
    let line: JournalLine;
    try {
      line = JSON.parse(text) as JournalLine;
    } catch (error) {
      // A line cut short by the kill is the journal's last; anywhere else the file is damaged.
      if (index === lines.length - 1) return;
      throw new JournalReadError(`${path}:${index + 1}: not JSON: ${(error as Error).message}`);
    }
    if (line.kind === 'run') {
      if (line.version !== journalVersion) throw new JournalReadError(`${path} is a journal of version ${JSON.stringify((line as { version?: unknown }).version)}; this rtcstorm reads version ${String(journalVersion)}`);
      header = line;
    } else if (line.kind === 'start') start = { startMs: line.startMs, targetUrls: line.targetUrls, ...(line.targetSoftware ? { targetSoftware: line.targetSoftware } : {}) };
    else if (line.kind === 'second') seconds.set(line.bucket.t, line.bucket);
    else if (line.kind === 'server') {
      const series = server.get(line.nodeId) ?? { nodeId: line.nodeId, points: [] };
      series.points.push(line.point);
      server.set(line.nodeId, series);
    }
  });
  if (!header) throw new JournalReadError(`${path} has no run header: it is not an rtcstorm journal`);
  return { header, start, seconds: [...seconds.values()].sort((a, b) => a.t - b.t), server: [...server.values()] };
}
