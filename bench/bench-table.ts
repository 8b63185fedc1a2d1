/** The bench's results as a table on stdout. */
import { goals, limits, roomOf4 } from './config.js';
import type { VoiceCost } from './voice-cost.js';
import type { PacketRun, PacketSegment } from './per-packet.js';
import type { SweepLimit, SweepStep } from './sweep.js';
import type { UdpFloor } from './udp-floor.js';
import type { PlanesBench } from './planes.js';
import type { VideoBench } from './video-bots.js';
import type { BrowserVideoBench } from './video-browser.js';

/** What the table shows of bench.json. */
interface BenchFigures {
  machine: { cores: number; cpuModel: string; node: string; platform: string };
  setup: { mediasoupWorkers: number };
  botPacketUs: number;
  workerPacketUs: number;
  packetUsAtLoad: { bots: number; valid: boolean; botPacketUs: number; workerPacketUs: number } | null;
  botsPerCore: number;
  joinsPerSecondPerCore: number;
  videoBotsPerCore: number;
  video: VideoBench;
  browserVideo: BrowserVideoBench & { botsPerPage: number };
  idleBotRssMB: number;
  harnessLatencyP50Ms: number;
  harnessLatencyP99Ms: number;
  botsPerCoreFrom: { bots: number; processes: number; loaderCores: number } | null;
  sweepLimit: SweepLimit;
  targetLimited: boolean;
  udpFloor: { light: UdpFloor; atBotsPerCore: UdpFloor };
  planes: PlanesBench['planes'];
  floor: PlanesBench['floor'];
  perPacket: { fast: PacketRun };
  voiceCost: VoiceCost;
  perPacketSegments: PacketSegment[];
  sweep: SweepStep[];
  joinStorm: { bots: number; peerConnections: number; failed: number; settledWallMs: number; peerConnectionsPerWallSecond: number; peerConnectionsPerCpuSecond: number; peerConnectionsPerGrossCpuSecond: number };
  joins: { phases: number; peerConnections: number; peerConnectionsPerCpuSecond: number; peerConnectionsPerGrossCpuSecond: number };
}

export const fmt = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const meets = (ok: boolean): string => (ok ? 'met' : 'not met');
const bySize = (figures: Record<string, number>): string => Object.values(figures).map((v) => fmt(v, 2)).join(' / ');

/** The media planes against the minimal loops (the floor), per datagram at each size. */
function planeRows(result: Pick<BenchFigures, 'planes' | 'floor'>): Array<[string, string, string]> {
  const { planes, floor } = result;
  const sizes = Object.keys(planes.native.packetUs).join('/');
  const ratio = (planes.native.packetUs['128'] ?? NaN) / (floor.c['128'] ?? NaN);
  const toSlots = (planes.native.packetUs['128'] ?? NaN) / (floor.cSlots['128'] ?? NaN);
  return [
    [`loader CPU per datagram at ${sizes} bots: native plane`, `${bySize(planes.native.packetUs)} µs`, `≤ ${goals.nativeToCLoop}× the C loop at 128: ${fmt(ratio, 2)}×, ${ratio <= goals.nativeToCLoop ? 'met' : 'not met (what limits it: docs/native-plane.md, "What limits it")'}`],
    ['  TypeScript plane', `${bySize(planes.typescript.packetUs)} µs`, ''],
    ['  the floor: minimal Node loop', `${bySize(floor.node)} µs`, ''],
    ['  the floor: C loop; C loop with SRTP', `${bySize(floor.c)}; ${bySize(floor.cSrtp)} µs`, ''],
    ["  the floor on the bots' schedule: C loop with SRTP, sends in 1 ms slots", `${bySize(floor.cSlots)} µs`, `native at 128: ${fmt(toSlots, 2)}× it`],
    ['voice bots per loader core (rooms of 8, P.59), native / TypeScript', `${fmt(planes.native.botsPerCore, 0)} / ${fmt(planes.typescript.botsPerCore, 0)} (at ${planes.native.botsPerCoreFrom} / ${planes.typescript.botsPerCoreFrom} bots' cost)`, `native ≥ ${goals.nativeBotsPerCore}: ${meets(planes.native.botsPerCore >= goals.nativeBotsPerCore)}`],
    ['  one-way latency p50, native / TypeScript (20 bots)', `${fmt(planes.native.harnessLatencyP50Ms, 2)} / ${fmt(planes.typescript.harnessLatencyP50Ms, 2)} ms`, `< ${limits.latencyP50Ms}: ${meets(planes.native.harnessLatencyP50Ms < limits.latencyP50Ms)}`],
  ];
}

export function printBenchTable(result: BenchFigures): void {
  const { perPacket: { fast }, perPacketSegments, botsPerCoreFrom: best, joinStorm, joins } = result;
  const rows: Array<[string, string, string]> = [
    ['fleet CPU per packet (fast path)', `${fmt(result.botPacketUs)} µs`, `≤ ${goals.botPacketUs}: ${meets(result.botPacketUs <= goals.botPacketUs)}`],
    ['  real Opus + playout model against filler packets, per packet (medians)', `${fmt(result.voiceCost.speechPacketUs)} against ${fmt(result.voiceCost.fillerPacketUs)} µs: ${result.voiceCost.increase >= 0 ? '+' : ''}${fmt(result.voiceCost.increase * 100)}%`, `< +${goals.voiceCostIncrease * 100}%: ${meets(result.voiceCost.increase < goals.voiceCostIncrease)}`],
    ['  each run, µs (filler, speech alternated)', result.voiceCost.runs.map((r) => `${r.content[0]} ${fmt(r.botPacketUs)}`).join(', '), ''],
    ['mediasoup worker CPU per packet (in or out)', `${fmt(result.workerPacketUs)} µs`, ''],
    [`  (${fast.bots} bots, rooms of ${roomOf4}, ${fast.processes} fleet processes; packets)`, `${fast.sent + fast.received} in ${fmt(fast.seconds, 0)} s`, ''],
    ['  per half of the window, µs', perPacketSegments.map((g) => fmt(g.botPacketUs)).join(', '), ''],
    ...(result.packetUsAtLoad
      ? [[`  at load (sweep, ${result.packetUsAtLoad.bots} bots${result.packetUsAtLoad.valid ? '' : ', invalid step'}): bot / worker`, `${fmt(result.packetUsAtLoad.botPacketUs)} / ${fmt(result.packetUsAtLoad.workerPacketUs)} µs`, ''] as [string, string, string]]
      : []),
    ['voice bots per loader core (measured)', best ? `${fmt(result.botsPerCore, 0)} (${best.bots} bots at ${fmt(best.loaderCores, 2)} core in ${best.processes})` : '0 (no valid step)', `≥ ${goals.botsPerCore}: ${meets(result.botsPerCore >= goals.botsPerCore)}`],
    ['video bots per loader core (640x360, 3 layers, with voice)', `${fmt(result.videoBotsPerCore, 0)} (${result.video.bots} bots at ${fmt(result.video.loaderCores, 2)} core${result.video.harnessValid ? '' : ', run invalid'})`, `≥ ${goals.videoBotsPerCore}: ${meets(result.videoBotsPerCore >= goals.videoBotsPerCore)}`],
    ['  fps / layer / freezes / send kb/s / video latency p50', `${fmt(result.video.framesPerStreamSecond)} / ${fmt(result.video.layerAvg, 2)} / ${result.video.freezes} / ${fmt(result.video.sendKbpsAvg, 0)} / ${fmt(result.video.latencyP50Ms, 2)} ms`, ''],
    [`  a Chromium page sending the same: CPU / pages per core`, `${fmt(result.browserVideo.cpuPercentPerPage)}% / ${fmt(result.browserVideo.pagesPerCore)} (${result.browserVideo.framesDecoded} frames decoded)`, `video bots per page's CPU: ${fmt(result.browserVideo.botsPerPage, 0)}× (goal ≥ 50×)`],
    [`  mediasoup workers (cores) / loader lag p99`, `${result.video.workerCores.map((c) => fmt(c, 2)).join('+')} / ${fmt(result.video.lagP99Ms)} ms`, ''],
    ...planeRows(result),
    ["Node dgram in the bots' shape (2 sockets a bot, Node forwarder), light / at load", `${fmt(result.udpFloor.light.packetUs)} / ${fmt(result.udpFloor.atBotsPerCore.packetUs)} µs`, 'not a floor: see the minimal loops'],
    ['  sweep ended by', `${result.sweepLimit}${result.targetLimited ? ' (target-limited on this machine)' : ''}`, ''],
    ['peer connections joined per CPU second of a core (media of joined bots in)', `${fmt(result.joinsPerSecondPerCore)}`, `≥ ${goals.joinsPerSecondPerCore}: ${meets(result.joinsPerSecondPerCore >= goals.joinsPerSecondPerCore)}`],
    [`  storm of ${joinStorm.bots} speakers: PCs / wall / per s`, `${joinStorm.peerConnections} (${joinStorm.failed} failed) / ${fmt(joinStorm.settledWallMs / 1000)} s / ${fmt(joinStorm.peerConnectionsPerWallSecond)}`, ''],
    ['  storm, media taken out at the light per-packet cost (upper bound)', `${fmt(joinStorm.peerConnectionsPerCpuSecond)} per core`, ''],
    [`  every run's joins (${joins.phases} runs, ${joins.peerConnections} PCs), net / gross`, `${fmt(joins.peerConnectionsPerCpuSecond)} / ${fmt(joins.peerConnectionsPerGrossCpuSecond)} per core`, ''],
    ['fleet RSS per connected bot (no GC forced)', `${fmt(result.idleBotRssMB, 2)} MB`, `≤ ${goals.idleBotRssMB}: ${meets(result.idleBotRssMB <= goals.idleBotRssMB)}`],
    ['one-way latency p50 / p99 (fast, upper bound)', `${fmt(result.harnessLatencyP50Ms, 2)} / ${fmt(result.harnessLatencyP99Ms, 2)} ms`, `p50 < ${limits.latencyP50Ms}: ${meets(result.harnessLatencyP50Ms < limits.latencyP50Ms)}`],
  ];
  console.log(`machine: ${result.machine.cores} cores (${result.machine.cpuModel}), Node ${result.machine.node}, ${result.machine.platform}; SFU: 1 node, ${result.setup.mediasoupWorkers} mediasoup workers`);
  for (const [name, value, goal] of rows) console.log(`${name.padEnd(48)} ${value.padEnd(34)} ${goal}`);
  console.log('\nsweep (a run per row: rooms of 8, P.59 talkers with DTX, audio; loader = the fleet processes; run = the run process; PC/s/core net of media; CPU in fractions of one core)');
  const header = ['bots', 'join s', 'PC/s/core', 'run', 'loader', 'pkt/s/bot', 'µs/pkt', 'lag p99', 'lat p50', 'loss', 'workers', 'sfu node', 'bots/core', 'valid'];
  const widths = [6, 7, 10, 6, 7, 10, 7, 8, 8, 7, 11, 9, 10, 0];
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' ');
  console.log(line(header));
  for (const s of result.sweep) {
    console.log(
      line([
        `${s.bots}`,
        fmt(s.join.settledWallMs / 1000, 0),
        fmt(s.joinNetPeerConnectionsPerCpuSecond),
        fmt(s.media.runProcessCores, 2),
        fmt(s.media.loaderCores, 2),
        fmt(s.packetsPerBotPerSecond, 0),
        fmt(s.loaderPacketUs),
        `${fmt(s.media.lagP99Ms)}ms`,
        `${fmt(s.media.latencyP50Ms, 2)}ms`,
        `${fmt(s.media.lossRatio * 100, 2)}%`,
        s.media.workerCores.map((c) => fmt(c, 2)).join('+'),
        fmt(s.media.sfuNodeCores, 2),
        fmt(s.botsPerCore, 0),
        s.valid ? ' yes' : ` no: ${s.invalidBecause.join(', ')}`,
      ]),
    );
  }
}
