/** Phase 3 of the bench (see run.ts): loader and SFU worker CPU per packet, fast path against stock werift. */
import { Histogram } from '../core/metrics/histogram.js';
import type { TargetNode } from '../target-server/bundled-target.js';
import { BenchFleet, expectedOnSfu, joinPhase, type JoinPhase } from './bench-fleet.js';
import { config, roomOf4 } from './config.js';
import { measureMedia } from './media-window.js';
import { progress } from './progress.js';

type MediaPath = 'fast' | 'werift';

/** One media path's per-packet segments, summed. */
export interface PacketRun {
  bots: number;
  segments: number;
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
  joinPeerConnectionsPerCpuSecond: number;
}

/** Each segment on its own: how far apart the two of one path are says how noisy the machine was. */
export interface PacketSegment { mediaPath: MediaPath; botPacketUs: number; workerPacketUs: number; loaderCores: number; latencyP50Ms: number; lagP99Ms: number }

interface PerPacket {
  perPacket: { fast: PacketRun; werift: PacketRun };
  segments: PacketSegment[];
  /** SFU worker CPU over the packets of both paths together. */
  workerPacketUs: number;
  /** The fast segments' join phases, for `joinsPerSecondPerCore`. */
  fastJoins: JoinPhase[];
}

export async function measurePerPacket(node: TargetNode): Promise<PerPacket> {
  // Fast, werift, werift, fast (half the seconds each), so drift over the run and whatever the
  // first segment pays (JIT, the idle phase's garbage) weigh on both paths alike.
  const order: MediaPath[] = ['fast', 'werift', 'werift', 'fast'];
  const empty = (): PacketRun => ({ bots: 0, segments: 0, seconds: 0, loaderCpuMs: 0, workerCpuMs: 0, sent: 0, received: 0, expected: 0, lagP99Ms: 0, latencyP50Ms: NaN, latencyP99Ms: NaN, botPacketUs: NaN, workerPacketUs: NaN, joinPeerConnectionsPerCpuSecond: NaN });
  const perPacket = { fast: empty(), werift: empty() };
  const latencyOf = { fast: Histogram.forMetric('e2e_latency_ms'), werift: Histogram.forMetric('e2e_latency_ms') };
  const joinOf = { fast: { pcs: 0, cpuMs: 0 }, werift: { pcs: 0, cpuMs: 0 } };
  const segmentSeconds = Math.max(1, config.packetSeconds / 2);
  const segments: PacketSegment[] = [];
  const fastJoins: JoinPhase[] = [];
  for (const mediaPath of order) {
    progress(`per packet: ${mediaPath} path, ${config.packetRooms} rooms of ${roomOf4}, ${segmentSeconds} s`);
    const fleet = new BenchFleet(node.url, `packet-${mediaPath}`);
    const bots = fleet.add(config.packetRooms * roomOf4, roomOf4, { talk: { model: 'always' }, mediaPath });
    const joined = await joinPhase(node, bots, expectedOnSfu(bots.length, roomOf4));
    if (joined.failed > 0) throw new Error(`bench: ${joined.failed} of ${joined.bots} bots (${mediaPath} path) did not join`);
    if (mediaPath === 'fast') fastJoins.push(joined);
    const { media, latency } = await measureMedia(fleet, node, segmentSeconds);
    await fleet.close(node);
    const segmentPackets = Math.max(1, media.sent + media.received);
    segments.push({
      mediaPath,
      botPacketUs: (media.loaderCpuMs * 1000) / segmentPackets,
      workerPacketUs: (media.workerCpuMs * 1000) / segmentPackets,
      loaderCores: media.loaderCores,
      latencyP50Ms: media.latencyP50Ms,
      lagP99Ms: media.lagP99Ms,
    });
    const run = perPacket[mediaPath];
    run.bots = bots.length;
    run.segments++;
    run.seconds += media.seconds;
    run.loaderCpuMs += media.loaderCpuMs;
    run.workerCpuMs += media.workerCpuMs;
    run.sent += media.sent;
    run.received += media.received;
    run.expected += media.expected;
    run.lagP99Ms = Math.max(run.lagP99Ms, media.lagP99Ms);
    latencyOf[mediaPath].merge(latency);
    joinOf[mediaPath].pcs += joined.peerConnections;
    joinOf[mediaPath].cpuMs += joined.cpuMs;
  }
  for (const mediaPath of ['fast', 'werift'] as const) {
    const run = perPacket[mediaPath];
    const packets = run.sent + run.received;
    if (packets === 0) throw new Error(`bench: no packets on the ${mediaPath} path`);
    run.botPacketUs = (run.loaderCpuMs * 1000) / packets;
    run.workerPacketUs = (run.workerCpuMs * 1000) / packets;
    run.latencyP50Ms = latencyOf[mediaPath].percentile(50);
    run.latencyP99Ms = latencyOf[mediaPath].percentile(99);
    run.joinPeerConnectionsPerCpuSecond = joinOf[mediaPath].pcs / (joinOf[mediaPath].cpuMs / 1000);
  }
  const runs = [perPacket.fast, perPacket.werift];
  const workerPacketUs = (runs.reduce((n, r) => n + r.workerCpuMs, 0) * 1000) / runs.reduce((n, r) => n + r.sent + r.received, 0);
  return { perPacket, segments, workerPacketUs, fastJoins };
}
