/**
 * `npm run bench`: what one loader core costs and holds, measured against the real bundled target
 * (mediasoup, in child processes) in one run so the figures compare like with like. The bench
 * process is the loader: its CPU (`process.cpuUsage`, every thread of it) is the harness's; the SFU's
 * is read from the node (mediasoup `getResourceUsage` per worker). Prints a table and writes
 * reports/bench/bench.json; `bench/relay.ts` runs next and adds its `relay` key.
 *
 * Phases, each with fresh bots (earlier bots closed and gone from the SFU first):
 * 1. Warm-up: the per-packet setup below talks for a few seconds, so JIT tiering and first-use
 *    allocations land in no figure (without it the first segment measured costs up to 1.5 times more).
 * 2. Idle RSS: BENCH_IDLE_BOTS speakers in rooms of 8 join and send nothing; RSS growth (after
 *    `global.gc()`, hence --expose-gc) over the bots is `idleBotRssMB`.
 * 3. Per packet: BENCH_ROOMS rooms of 4 always-talking speakers, in four segments of BENCH_SECONDS / 2
 *    of media, fresh bots each: fast, werift, werift, fast (the `mediaPath` bot option), so drift over
 *    the run and what a first segment pays weigh on both paths alike. Loader CPU over packets sent +
 *    received is `botPacketUs` (fast) and `weriftPacketUs` (werift); SFU worker CPU over the same
 *    packets (each in from its sender, out to each receiver) is `workerPacketUs`, both paths together.
 *    `harnessLatencyP50Ms` is the one-way latency p50 of the fast segments.
 * 4. Joins: BENCH_JOIN_BOTS speakers in rooms of 8 join with BENCH_JOIN_CONCURRENCY in flight, the
 *    storm a scenario's ramp makes. Its CPU runs until the SFU holds every new consumer
 *    (renegotiations included): `joinsPerSecondPerCore` = peer connections joined (a speaker holds 2,
 *    a listener 1) over those loader CPU seconds. `joins` gives the same over every fast-path join of
 *    the run (idle, per packet, sweep: small storms, the sweep's into a process holding the earlier
 *    steps' bots), and each sweep step its own, gross and net of the idle CPU of the bots already
 *    there. Wall time is reported too; on 2 shared cores the SFU bounds it as much as the loader does.
 *
 * 5. Sweep, fast path: rooms of 8 speakers talking as ITU-T P.59 says, with DTX, audio only. One fleet
 *    grows to each N of BENCH_SWEEP (new rooms join with the media stopped), settles (the SFU holds
 *    every producer and consumer), then BENCH_SWEEP_SECONDS of media are measured: loader CPU as a
 *    fraction of one core, event-loop lag p99 (`monitorEventLoopDelay`, less its 10 ms sampling
 *    interval, which it counts in), one-way latency p50, loss, SFU worker and node CPU. A step is valid
 *    when every bot joined, lag p99 < 20 ms, latency p50 < 1 ms and loss ≤ 1%. On loopback the one-way
 *    latency includes the SFU's forwarding and the kernel's UDP path both ways, so it is an upper bound
 *    on what the harness adds. `botsPerCore` = N / loader cores of the largest valid step before the
 *    first invalid one: bots that were measured, at the CPU they were measured to use (0 if the first
 *    step is invalid). The sweep stops at the first invalid step (BENCH_SWEEP_PAST_INVALID=1 goes on,
 *    for a curve), when a step leaves no room for the next — a mediasoup worker ≥ 85% of a core
 *    (`target`); loader + SFU ≥ 90% of the machine's cores (`machine`, soon the case on 2 cores, where
 *    loader and SFU share them); the loader ≥ 95% of a core (`loader`) — past invalid steps, when lag
 *    p99 is 10 times its limit (`overrun`) — after the last N, or when
 *    BENCH_SWEEP_BUDGET_S has passed (a step is not started when, scaled from the last one, it would
 *    end past it). `target` and `machine` mean `botsPerCore` is target-limited. Two mediasoup workers
 *    (BENCH_WORKERS) so that one worker is not the first bottleneck.
 *
 * 6. UDP floor (udp-floor.ts): the datagrams of phase 3 (light) and of the `botsPerCore` step (or the
 *    sweep's first N when no step was valid) again, plain, from sockets whose handlers only count,
 *    through a forwarder process rather than the SFU: what Node and the kernel charge per datagram on
 *    this machine, which no bot path on Node goes under. `udpFloor.*.botsPerCore` is the most bots a
 *    core could hold here doing nothing else; with `botPacketUs` it tells what is the harness's
 *    own cost and what is the machine's.
 *
 * Sizes, from the environment (defaults): BENCH_ROOMS (5), BENCH_SECONDS (10), BENCH_IDLE_BOTS (32),
 * BENCH_SWEEP (64,128,256,384,512,640,768,1024; rounded up to rooms of 8), BENCH_SWEEP_MAX (1024),
 * BENCH_SWEEP_SECONDS (BENCH_SECONDS), BENCH_SWEEP_BUDGET_S (150), BENCH_SWEEP_PAST_INVALID (0),
 * BENCH_JOIN_BOTS (256), BENCH_JOIN_CONCURRENCY (32), BENCH_WORKERS (2). Only this bench's own
 * processes are counted: load from other processes on a shared machine shows as lag and latency, not
 * as `machine` saturation.
 *
 * Every loop is bounded in count and time; every bot is closed and the target stopped in `finally`.
 * Loopback only. Figures vary between runs on a shared machine: compare within a run.
 *
 * Here: the phases in order and bench.json. Sizes, limits and goals are in config.ts; bots and joins
 * in bench-fleet.ts; a measured media window in media-window.ts; phases 3 and 4 in per-packet.ts and
 * join-storm.ts and sweep.ts, phase 6 in udp-floor.ts; the table in bench-table.ts.
 */
import { cpus, totalmem } from 'node:os';
import { writeCapacityFigures } from '../core/run/capacity-figures.js';
import { startBundledTarget } from '../target-server/bundled-target.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchAudio } from './bench-bot.js';
import { BenchFleet, closeAllBots, expectedOnSfu, joinPhase } from './bench-fleet.js';
import { benchJsonFile, writeBenchJson } from './bench-json.js';
import { fmt, printBenchTable } from './bench-table.js';
import { config, cores, goals, limits, p59, roomOf4, roomOf8 } from './config.js';
import { measureJoinStorm } from './join-storm.js';
import { measureMedia } from './media-window.js';
import { measurePerPacket } from './per-packet.js';
import { progress } from './progress.js';
import { rssMB } from './resource-usage.js';
import { bestStep, runSweep, type SweepStep } from './sweep.js';
import { measureUdpFloor } from './udp-floor.js';

const atLoad = (step: SweepStep) => ({ bots: step.bots, valid: step.valid, botPacketUs: step.loaderPacketUs, workerPacketUs: step.workerPacketUs, botToWorker: step.loaderPacketUs / step.workerPacketUs });

const started = performance.now();
const target = await startBundledTarget({ nodes: 1, workersPerNode: config.workersPerNode });
const node = target.nodes[0]!;
try {
  // 1. Warm-up.
  {
    progress('warm-up');
    const warm = new BenchFleet(node.url, 'warm-up');
    const bots = warm.add(config.packetRooms * roomOf4, roomOf4, { talk: { model: 'always' } });
    await joinPhase(node, bots, expectedOnSfu(bots.length, roomOf4));
    await measureMedia(warm, node, 3);
    await warm.close(node);
  }

  // 2. Idle RSS.
  progress(`idle RSS: ${config.idleBots} bots`);
  const idleFleet = new BenchFleet(node.url, 'idle');
  const rssBeforeMB = rssMB();
  const idleBots = idleFleet.add(config.idleBots, roomOf8, { talk: p59 });
  const idleJoin = await joinPhase(node, idleBots, expectedOnSfu(idleBots.length, roomOf8));
  if (idleJoin.failed > 0) throw new Error(`bench: ${idleJoin.failed} of ${idleJoin.bots} idle bots did not join`);
  await sleep(500);
  const rssAfterMB = rssMB();
  const idleBotRssMB = (rssAfterMB - rssBeforeMB) / idleJoin.connected;
  await idleFleet.close(node);

  // 3. Per packet.
  const { perPacket, segments: packetSegments, workerPacketUs, fastJoins: packetJoins } = await measurePerPacket(node);

  // 4. Joins, sustained.
  const joinStorm = await measureJoinStorm(node);

  // 5. Sweep, growing one fleet.
  const { steps: sweep, limit: sweepLimit } = await runSweep(node);
  const best = bestStep(sweep);

  // 6. UDP floor.
  const udpFloor = {
    light: await measureUdpFloor(config.packetRooms * roomOf4, roomOf4, { model: 'always' }, config.packetSeconds),
    atBotsPerCore: await measureUdpFloor(best?.bots ?? config.sweep[0]!, roomOf8, p59, config.sweepSeconds),
  };

  // Joins over every fast-path join phase of the run, next to the storm's.
  const fastJoins = [idleJoin, ...packetJoins, joinStorm, ...sweep.map((s) => s.join)];
  const joinPcs = fastJoins.reduce((n, j) => n + j.peerConnections, 0);
  const joinCpuS = fastJoins.reduce((n, j) => n + j.cpuMs, 0) / 1000;
  const joinWallS = fastJoins.reduce((n, j) => n + j.wallMs, 0) / 1000;

  const fast = perPacket.fast;
  const result = {
    machine: { cores, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.versions.node, platform: `${process.platform}-${process.arch}`, memoryGB: totalmem() / 2 ** 30 },
    setup: { ...config, ptimeMs: benchAudio.ptimeMs, bitrateKbps: benchAudio.bitrateKbps, limits, mediasoupWorkers: config.workersPerNode, sfuNodes: 1 },
    goals,
    botPacketUs: fast.botPacketUs,
    weriftPacketUs: perPacket.werift.botPacketUs,
    workerPacketUs,
    /**
     * The same two figures at the sweep's most loaded step (valid or not): per-packet cost falls as
     * packets per wakeup rise, so the light per-packet phase above is the upper end.
     */
    packetUsAtLoad: sweep.length > 0 ? atLoad(sweep.at(-1)!) : null,
    /** 0 when no sweep step was valid. */
    botsPerCore: best ? best.botsPerCore : 0,
    joinsPerSecondPerCore: joinStorm.peerConnectionsPerCpuSecond,
    idleBotRssMB,
    harnessLatencyP50Ms: fast.latencyP50Ms,
    harnessLatencyP99Ms: fast.latencyP99Ms,
    /** The step `botsPerCore` comes from, and what ended the sweep: `target` or `machine` means the figure is target-limited here. */
    botsPerCoreFrom: best ? { bots: best.bots, loaderCores: best.media.loaderCores, lagP99Ms: best.media.lagP99Ms, latencyP50Ms: best.media.latencyP50Ms } : null,
    sweepLimit,
    targetLimited: sweepLimit === 'target' || sweepLimit === 'machine',
    udpFloor,
    perPacket,
    perPacketSegments: packetSegments,
    sweep,
    joinStorm,
    joins: {
      phases: fastJoins.length,
      peerConnectionsPerCpuSecond: joinCpuS > 0 ? joinPcs / joinCpuS : 0,
      peerConnections: joinPcs,
      failed: fastJoins.reduce((n, j) => n + j.failed, 0),
      loaderCpuS: joinCpuS,
      wallS: joinWallS,
      peerConnectionsPerWallSecond: joinWallS > 0 ? joinPcs / joinWallS : 0,
      concurrency: config.joinConcurrency,
    },
    idle: { bots: idleJoin.connected, rssBeforeMB, rssAfterMB, join: idleJoin },
    durationS: (performance.now() - started) / 1000,
  };
  writeBenchJson(result);
  // What `rtcstorm run`'s capacity pre-check uses on this machine from now on.
  writeCapacityFigures({
    loaderPacketUs: result.packetUsAtLoad?.botPacketUs ?? result.botPacketUs,
    sfuPacketUs: result.packetUsAtLoad?.workerPacketUs ?? workerPacketUs,
    joinsPerCoreSecond: result.joinsPerSecondPerCore,
    botMB: idleBotRssMB,
  });
  printBenchTable(result);
  console.log(`\nwritten: ${benchJsonFile} (${fmt(result.durationS, 0)} s)`);
} finally {
  closeAllBots();
  await target.stop();
}
