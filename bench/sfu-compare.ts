/**
 * `npm run bench`, fourth part: two SFUs like for like. The same scenario (BENCH_SFU_BOTS, default
 * 40, in rooms of 4, always talking) runs as `rtcstorm run` runs it (fleet processes, each SFU
 * through its adapter) against the bundled mediasoup cluster (one node, one worker) and a launched
 * Janus VideoRoom, in turns. Each run is a one-step capacity search, whose step reports packets in
 * and out of the target per second over its hold of BENCH_SECONDS; the SFU's CPU over the same
 * seconds (the mediasoup worker; the Janus process) gives its CPU per packet. Adds an `sfuCompare`
 * key to reports/bench/bench.json. Needs root and Debian's janus; without them it says so.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../core/run/run.js';
import { parseScenario } from '../core/scenario/index.js';
import type { Report } from '../reports/report-types.js';
import { findJanus } from '../targets/janus/launched-janus.js';
import { benchJsonFile, writeBenchJson } from './bench-json.js';
import { progress } from './progress.js';

const bots = Number(process.env.BENCH_SFU_BOTS ?? 40);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const turns = 2;
const roomSize = 4;
const sfus = { mediasoup: '{ bundled: { nodes: 1, workersPerNode: 1 } }', janus: '{ janus: { instances: 1 } }' } as const;
type Sfu = keyof typeof sfus;

interface Turn { sfu: Sfu; packetsInPerSecond: number; packetsOutPerSecond: number; sfuCpuPercent: number; sfuPacketUs: number; lossRatio: number | null; latencyP99Ms: number | null; harnessValid: boolean }

function scenarioYaml(sfu: Sfu): string {
  const rooms = Math.ceil(bots / roomSize);
  return [
    `name: bench-sfu-${sfu}`,
    `target: ${sfus[sfu]}`,
    `rooms: { count: 1, size: ${roomSize} }`,
    'fleet:',
    `  - { engine: werift, name: ${sfu}, count: ${roomSize}, talk: { model: always } }`,
    `capacity: { start: { rooms: ${rooms} }, grow: { rooms: 1 }, max: { rooms: ${rooms} }, ramp: 3s, hold: ${seconds + 2}s, slo: { packet_loss_ratio: ["value<1"] } }`,
    '',
  ].join('\n');
}

/** The SFU's own CPU over the hold's seconds (its first second left out, as joins settle): the mediasoup worker, or the Janus process. */
function sfuCpuPercent(report: Report, sfu: Sfu, fromSecond: number, toSecond: number): number {
  const points = (report.server.nodes[0]?.points ?? []).filter((p) => p.t >= fromSecond && p.t <= toSecond);
  if (points.length === 0) throw new Error(`bench: ${sfu} reported no CPU in seconds ${fromSecond}–${toSecond}`);
  const cpu = (p: (typeof points)[number]): number => (sfu === 'mediasoup' ? Object.values(p.workerCpuPercent).reduce((a, b) => a + b, 0) : p.cpuPercent);
  return points.reduce((sum, p) => sum + cpu(p), 0) / points.length;
}

async function turn(sfu: Sfu): Promise<Turn> {
  const dir = mkdtempSync(join(tmpdir(), `rtcstorm-bench-sfu-${sfu}-`));
  try {
    const scenario = parseScenario(scenarioYaml(sfu), `bench-sfu-${sfu}.yaml`);
    const { report } = await runScenario(scenario, { outDir: dir, signal: new AbortController().signal });
    const step = report.capacity?.steps[0];
    if (!step) throw new Error(`bench: the ${sfu} run has no step (${report.abortReason ?? 'no reason given'})`);
    const fromSecond = Math.ceil(step.holdFromMs / 1000) + 1;
    const toSecond = Math.ceil(step.endMs / 1000) - 1;
    const cpuPercent = sfuCpuPercent(report, sfu, fromSecond, toSecond);
    const packets = step.packetsInPerSecond + step.packetsOutPerSecond;
    const loss = step.slo.find((s) => s.metric === 'packet_loss_ratio')?.value ?? null;
    // 100% of a core is 1,000,000 µs of CPU a second.
    return { sfu, packetsInPerSecond: step.packetsInPerSecond, packetsOutPerSecond: step.packetsOutPerSecond, sfuCpuPercent: cpuPercent, sfuPacketUs: (cpuPercent * 10_000) / packets, lossRatio: loss, latencyP99Ms: report.metrics.e2e_latency_ms?.p99 ?? null, harnessValid: step.outcome === 'held' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;

const skip = !findJanus() ? 'Janus is not installed' : process.getuid?.() !== 0 ? 'a launched Janus needs root' : null;
if (skip) {
  console.log(`\nsfu compare: skipped (${skip})`);
} else {
  progress(`sfu compare: ${bots} bots in rooms of ${roomSize}, mediasoup and Janus in turns (${turns} each), as rtcstorm run runs them`);
  const results: Turn[] = [];
  for (let k = 0; k < turns; k++) for (const sfu of ['mediasoup', 'janus'] as const) results.push(await turn(sfu));
  const of = (sfu: Sfu): Turn[] => results.filter((r) => r.sfu === sfu);
  const summary = {
    bots,
    roomSize,
    seconds,
    mediasoupWorkerPacketUs: median(of('mediasoup').map((r) => r.sfuPacketUs)),
    janusPacketUs: median(of('janus').map((r) => r.sfuPacketUs)),
    janusToMediasoup: median(of('janus').map((r) => r.sfuPacketUs)) / median(of('mediasoup').map((r) => r.sfuPacketUs)),
    allHeld: results.every((r) => r.harnessValid),
    turns: results,
  };
  const lossText = (sfu: Sfu): string => of(sfu).map((r) => (r.lossRatio === null ? '–' : (r.lossRatio * 100).toFixed(2))).join('/');
  console.log(
    `\nsfu compare (${bots} bots, rooms of ${roomSize}, ${seconds} s a turn, median of ${turns}): SFU CPU per packet in or out: ` +
      `mediasoup worker ${summary.mediasoupWorkerPacketUs.toFixed(1)} µs, Janus ${summary.janusPacketUs.toFixed(1)} µs (${summary.janusToMediasoup.toFixed(2)}×); ` +
      `loss ${lossText('mediasoup')}% / ${lossText('janus')}%${summary.allHeld ? '' : '; a turn was not valid (see turns in bench.json)'}`,
  );
  const previous = existsSync(benchJsonFile) ? (JSON.parse(readFileSync(benchJsonFile, 'utf8')) as Record<string, unknown>) : {};
  writeBenchJson({ ...previous, sfuCompare: summary });
}
