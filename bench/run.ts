/**
 * `npm run bench`: what one loader core costs and holds, measured on the product's own path: every
 * bot phase is a run (`runScenario`, as `rtcstorm run` starts it) of fleet processes against the
 * bundled target. Phases, figures and how each is measured: docs/bench.md.
 */
import { cpus, totalmem } from 'node:os';
import { writeCapacityFigures } from '../core/run/capacity-figures.js';
import { benchAudio } from './bench-bot.js';
import { benchJsonFile, writeBenchJson } from './bench-json.js';
import { fmt, printBenchTable } from './bench-table.js';
import { config, cores, goals, limits, p59, roomOf4, roomOf8 } from './config.js';
import { measureIdleRss } from './idle-rss.js';
import { measureJoinStorm } from './join-storm.js';
import { measurePerPacket } from './per-packet.js';
import { bestStep, runSweep, type SweepStep } from './sweep.js';
import { measureUdpFloor } from './udp-floor.js';
import { measurePlanes } from './planes.js';
import { measureVideoBots } from './video-bots.js';
import { measureVoiceCost } from './voice-cost.js';
import { measureBrowserVideo } from './video-browser.js';

const atLoad = (step: SweepStep) => ({ bots: step.bots, valid: step.valid, botPacketUs: step.loaderPacketUs, workerPacketUs: step.workerPacketUs, botToWorker: step.loaderPacketUs / step.workerPacketUs });

const started = performance.now();

// 1. Per packet.
const { fast, segments: packetSegments, join: packetJoin } = await measurePerPacket();

// 1b. Real voice against filler, per packet.
const voiceCost = await measureVoiceCost(3);

// 2. Memory per connected bot.
const idle = await measureIdleRss();

// 3. Joins, sustained.
const joinStorm = await measureJoinStorm(fast.botPacketUs);

// 4. Sweep: a run per size.
const { steps: sweep, limit: sweepLimit } = await runSweep(fast.botPacketUs);
const best = bestStep(sweep);

// 5. Video bots.
const video = await measureVideoBots();
const browserVideo = await measureBrowserVideo();

// 6. Media planes side by side, and the minimal loops under them.
const planes = await measurePlanes();

// 7. Node datagrams in the bots' shape (two sockets per bot, a Node forwarder): not a floor; the minimal loops above are.
const udpFloor = {
  light: await measureUdpFloor(config.packetRooms * roomOf4, roomOf4, { model: 'always' }, config.packetSeconds),
  atBotsPerCore: await measureUdpFloor(best?.bots ?? config.sweep[0]!, roomOf8, p59, config.sweepSeconds),
};

// Joins over every run of the bench, next to the storm's: fleet CPU from each run's start until the SFU held every bot, media taken out.
const fastJoins = [packetJoin, ...idle.joins, joinStorm, ...sweep.map((s) => s.join)];
const joinPcs = fastJoins.reduce((n, j) => n + j.peerConnections, 0);
const joinGrossCpuS = fastJoins.reduce((n, j) => n + j.cpuMs, 0) / 1000;
const joinNetCpuS = fastJoins.reduce((n, j) => n + Math.max(1, j.cpuMs - (j.mediaPackets * fast.botPacketUs) / 1000), 0) / 1000;
const joinWallS = fastJoins.reduce((n, j) => n + j.settledWallMs, 0) / 1000;

const result = {
  machine: { cores, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.versions.node, platform: `${process.platform}-${process.arch}`, memoryGB: totalmem() / 2 ** 30 },
  setup: { ...config, ptimeMs: benchAudio.ptimeMs, bitrateKbps: benchAudio.bitrateKbps, limits, mediasoupWorkers: config.workersPerNode, sfuNodes: 1, loader: 'fleet processes started by runScenario, as `rtcstorm run` starts them' },
  goals,
  botPacketUs: fast.botPacketUs,
  workerPacketUs: fast.workerPacketUs,
  /**
   * The same two figures at the sweep's most loaded step (valid or not): per-packet cost falls as
   * packets per wakeup rise, so the light per-packet phase above is the upper end.
   */
  packetUsAtLoad: sweep.length > 0 ? atLoad(sweep.at(-1)!) : null,
  /** 0 when no sweep step was valid. */
  botsPerCore: best ? best.botsPerCore : 0,
  // Gross: the media of bots already joined stays in. Taking it out at the light per-packet cost
  // over-subtracts (at a storm's load a packet costs a quarter of that), so the net figure is an upper bound.
  joinsPerSecondPerCore: joinStorm.peerConnectionsPerGrossCpuSecond,
  /** Video bots (640x360 in 3 layers, voice too) per loader core, in rooms of 4 against the bundled target. */
  videoBotsPerCore: video.botsPerCore,
  video,
  /** Chromium pages sending the same, per core, and how many video bots one page's CPU holds. */
  browserVideo: { ...browserVideo, botsPerPage: browserVideo.pagesPerCore > 0 ? video.botsPerCore / browserVideo.pagesPerCore : 0 },
  idleBotRssMB: idle.rssPerBotMB,
  harnessLatencyP50Ms: fast.latencyP50Ms,
  harnessLatencyP99Ms: fast.latencyP99Ms,
  /** The step `botsPerCore` comes from, and what ended the sweep: `target` or `machine` means the figure is target-limited here. */
  botsPerCoreFrom: best ? { bots: best.bots, processes: best.processes, loaderCores: best.media.loaderCores, lagP99Ms: best.media.lagP99Ms, latencyP50Ms: best.media.latencyP50Ms } : null,
  sweepLimit,
  targetLimited: sweepLimit === 'target' || sweepLimit === 'machine',
  udpFloor,
  /** Loader CPU per datagram by media plane at 20/128/512 bots, and voice bots per core (bench/planes.ts); the figures above are the default plane's. */
  planes: planes.planes,
  /** The minimal Node and C loops at the same sizes (bench/minimal-floor.ts): the floor. */
  floor: planes.floor,
  perPacket: { fast },
  /** The bot path's CPU per packet with real Opus and the playout model against filler packets, alternated runs (bench/voice-cost.ts). */
  voiceCost,
  perPacketSegments: packetSegments,
  sweep,
  joinStorm,
  joins: {
    phases: fastJoins.length,
    peerConnectionsPerCpuSecond: joinPcs / joinNetCpuS,
    peerConnectionsPerGrossCpuSecond: joinGrossCpuS > 0 ? joinPcs / joinGrossCpuS : 0,
    peerConnections: joinPcs,
    failed: fastJoins.reduce((n, j) => n + j.failed, 0),
    loaderCpuS: joinNetCpuS,
    loaderGrossCpuS: joinGrossCpuS,
    wallS: joinWallS,
    peerConnectionsPerWallSecond: joinWallS > 0 ? joinPcs / joinWallS : 0,
    joinRate: config.joinRate,
  },
  idle: { runs: idle.runs, joins: idle.joins },
  durationS: (performance.now() - started) / 1000,
};
writeBenchJson(result);
// What `rtcstorm run`'s capacity pre-check uses on this machine from now on.
writeCapacityFigures({
  loaderPacketUs: result.packetUsAtLoad?.botPacketUs ?? result.botPacketUs,
  sfuPacketUs: result.packetUsAtLoad?.workerPacketUs ?? result.workerPacketUs,
  joinsPerCoreSecond: result.joinsPerSecondPerCore,
  botMB: result.idleBotRssMB,
});
printBenchTable(result);
console.log(`\nwritten: ${benchJsonFile} (${fmt(result.durationS, 0)} s)`);
