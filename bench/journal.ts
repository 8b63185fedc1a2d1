/**
 * `npm run bench`, third part: what the crash-safe journal costs the run process. A real run of
 * `BENCH_JOURNAL_BOTS` bots (default 500; rooms of 8, P.59 talkers with DTX) on the bundled target
 * records what a run of that size measures; its seconds are then fed again, as two fleet
 * processes' messages a second, into a store that journals like `rtcstorm run`'s, and each flush's
 * CPU and bytes are measured. Adds a `journal` key to reports/bench/bench.json.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricStore } from '../core/metrics/store.js';
import { runScenario } from '../core/run/run.js';
import { parseScenario } from '../core/scenario/index.js';
import { RunJournal } from '../reports/journal/run-journal.js';
import { benchJsonFile, writeBenchJson } from './bench-json.js';
import { progress } from './progress.js';

const bots = Number(process.env.BENCH_JOURNAL_BOTS ?? 500);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'rtcstorm-bench-journal-'));
try {
  progress(`journal: a run of ${bots} bots for ${seconds} s`);
  const scenario = parseScenario(
    `name: bench-journal\nduration: ${seconds}s\ntarget: { bundled: { nodes: 1, workersPerNode: 1 } }\nrooms: { count: ${Math.ceil(bots / 8)}, size: 8 }\nfleet:\n  - { engine: werift, count: ${bots}, rampUp: ${Math.min(10, seconds / 2)}s, talk: { model: p59, dtx: true } }\n`,
    'bench-journal.yaml',
  );
  const { report, journalCost } = await runScenario(scenario, { outDir: join(dir, 'run'), signal: new AbortController().signal });

  progress('journal: the run\'s seconds fed again through a journal');
  const store = new MetricStore(report.raw.startMs);
  store.trackChanges();
  const journal = RunJournal.create(join(dir, 'replay'), { scenario: { file: null, seed: 1, source: scenario.source }, shard: null, startedAtMs: report.raw.startMs, machineCores: 2, skipped: [] });
  const flushUs: number[] = [];
  for (const bucket of report.raw.buckets) {
    // Two fleet processes' messages: the second merge thaws what the first kept encoded, as in a run.
    store.mergeBucket(bucket);
    store.mergeBucket(bucket);
    const before = process.cpuUsage();
    journal.flush(store, report.server.nodes, bucket.t + 1);
    const used = process.cpuUsage(before);
    flushUs.push(used.user + used.system);
  }
  journal.close();
  const bytes = statSync(journal.path).size;
  const sorted = [...flushUs].sort((a, b) => a - b);
  const result = {
    bots,
    seconds: report.raw.buckets.length,
    cpuUsPerSecondMedian: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0,
    cpuUsPerSecondMax: sorted.at(-1) ?? 0,
    bytesPerSecond: bytes / Math.max(1, report.raw.buckets.length),
    runValid: report.harness.valid,
    // The same run's own journal, as it flushed during the run (seconds rewritten when late samples changed them).
    inRun: journalCost ? { flushes: journalCost.flushes, cpuUsPerSecond: journalCost.cpuUs / Math.max(1, report.durationMs / 1000), bytesPerSecond: journalCost.bytes / Math.max(1, report.durationMs / 1000) } : null,
  };
  console.log(`\njournal at ${bots} bots: ${(result.cpuUsPerSecondMedian / 1000).toFixed(2)} ms of CPU per second of run (median, max ${(result.cpuUsPerSecondMax / 1000).toFixed(2)} ms), ${(result.bytesPerSecond / 1024).toFixed(1)} KiB per second`);
  if (result.inRun) console.log(`journal in the run itself: ${(result.inRun.cpuUsPerSecond / 1000).toFixed(2)} ms of CPU per second of run, ${(result.inRun.bytesPerSecond / 1024).toFixed(1)} KiB per second, ${result.inRun.flushes} flushes`);
  const previous = existsSync(benchJsonFile) ? (JSON.parse(readFileSync(benchJsonFile, 'utf8')) as Record<string, unknown>) : {};
  writeBenchJson({ ...previous, journal: result });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
