/**
 * `npm run bench`: what one loader core costs and holds, against the real bundled target, in one run
 * so the figures compare like with like. Phases, figures and how each is measured: docs/bench.md.
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
