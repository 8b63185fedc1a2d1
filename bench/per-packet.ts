/** Phase 1 of the bench (see run.ts): fleet-process and SFU worker CPU per packet, on the fleet's (fast) media path. */
import { config, roomOf4 } from './config.js';
import { runFleet, type JoinPhase } from './fleet-run.js';
import { progress } from './progress.js';

/** The measured window of the per-packet run. */
export interface PacketRun {
  bots: number;
  /** Fleet processes the run started. */
  processes: number;
  seconds: number;
  loaderCpuMs: number;
  workerCpuMs: number;
  sent: number;
  received: number;
  expected: number;
  lagP99Ms: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  botPacketUs: number;
  workerPacketUs: number;
  /** The run process (the bench's own) as a fraction of one core: not in `botPacketUs`. */
  runProcessCores: number;
  harnessValid: boolean;
}

/** Each half of the window on its own: how far apart they are says how noisy the machine was. */
export interface PacketSegment { fromSecond: number; botPacketUs: number; workerPacketUs: number; loaderCores: number; latencyP50Ms: number; lagP99Ms: number }

interface PerPacket {
  fast: PacketRun;
  segments: PacketSegment[];
  /** The run's joins, for `joins`. */
  join: JoinPhase;
}

export async function measurePerPacket(): Promise<PerPacket> {
  const bots = config.packetRooms * roomOf4;
  progress(`per packet: ${config.packetRooms} rooms of ${roomOf4} always talking, ${config.packetSeconds} s measured, in a run`);
  const run = await runFleet({ label: 'per-packet', bots, roomSize: roomOf4, talk: 'always', measureS: config.packetSeconds, segments: 2 });
  if (run.join.failed > 0) throw new Error(`bench: ${run.join.failed} of ${bots} bots of the per-packet run did not join`);
  const media = run.media!;
  const packets = media.sent + media.received;
  if (packets === 0) throw new Error('bench: no packets in the per-packet run');
  const perPacketUs = (cpuMs: number, n: number): number => (cpuMs * 1000) / Math.max(1, n);
  return {
    fast: {
      bots,
      processes: run.processes,
      seconds: media.seconds,
      loaderCpuMs: media.loaderCpuMs,
      workerCpuMs: media.workerCpuMs,
      sent: media.sent,
      received: media.received,
      expected: media.expected,
      lagP99Ms: media.lagP99Ms,
      latencyP50Ms: media.latencyP50Ms,
      latencyP99Ms: media.latencyP99Ms,
      botPacketUs: perPacketUs(media.loaderCpuMs, packets),
      workerPacketUs: perPacketUs(media.workerCpuMs, packets),
      runProcessCores: media.runProcessCores,
      harnessValid: run.harnessValid,
    },
    segments: run.segments.map((s) => ({
      fromSecond: s.fromSecond,
      botPacketUs: perPacketUs(s.loaderCpuMs, s.sent + s.received),
      workerPacketUs: perPacketUs(s.workerCpuMs, s.sent + s.received),
      loaderCores: s.loaderCores,
      latencyP50Ms: s.latencyP50Ms,
      lagP99Ms: s.lagP99Ms,
    })),
    join: run.join,
  };
}
