/** Phase 4 of the bench (see run.ts): one fast-path fleet grown step by step, each step measured and judged. */
import type { TargetNode } from '../target-server/bundled-target.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchFleet, expectedOnSfu, joinPhase, type JoinPhase } from './bench-fleet.js';
import { config, cores, limits, p59, roomOf8 } from './config.js';
import { measureMedia, type MediaWindow } from './media-window.js';
import { progress } from './progress.js';
import { cpuMs, rssMB } from './resource-usage.js';

export interface SweepStep {
  bots: number;
  rooms: number;
  join: JoinPhase;
  joinPeerConnectionsPerCpuSecond: number;
  /** Loader CPU (fraction of a core) of the bots already connected, idle, just before this step's joins. */
  idleCoresBefore: number;
  /** The same joins with that idle CPU taken out. */
  joinNetPeerConnectionsPerCpuSecond: number;
  /** RSS growth since the sweep started over the bots, after GC: media buffers and metrics included. */
  rssPerBotMB: number;
  media: MediaWindow;
  /** Packets sent + received per bot per second. */
  packetsPerBotPerSecond: number;
  loaderPacketUs: number;
  /** SFU worker CPU over the same packets (each in from its sender, out to each receiver). */
  workerPacketUs: number;
  machineCores: number;
  valid: boolean;
  invalidBecause: string[];
  botsPerCore: number;
  stepSeconds: number;
}

export type SweepLimit = 'invalid-step' | 'overrun' | 'loader' | 'target' | 'machine' | 'last-step' | 'time-budget';

export async function runSweep(node: TargetNode): Promise<{ steps: SweepStep[]; limit: SweepLimit }> {
  const steps: SweepStep[] = [];
  let limit: SweepLimit = 'last-step';
  const sweepStarted = performance.now();
  const fleet = new BenchFleet(node.url, 'sweep');
  const rssBeforeMB = rssMB();
  for (const n of config.sweep) {
    const stepStarted = performance.now();
    const elapsedS = (stepStarted - sweepStarted) / 1000;
    // The next step takes about as long as the last, scaled by the bots: it is not started if it would end past the budget.
    const last = steps.at(-1);
    if (elapsedS + (last ? (last.stepSeconds * n) / last.bots : 0) > config.sweepBudgetS) {
      limit = 'time-budget';
      break;
    }
    progress(`sweep: ${n} bots (${n / roomOf8} rooms of ${roomOf8}, P.59 + DTX), ${elapsedS.toFixed(0)} s into the sweep`);
    const step = await measureStep(fleet, node, n, rssBeforeMB, stepStarted);
    steps.push(step);
    const stop = stopReason(step);
    if (stop) {
      limit = stop;
      break;
    }
  }
  await fleet.close(node);
  return { steps, limit };
}

/** Grows `fleet` to `n` bots and measures it. */
async function measureStep(fleet: BenchFleet, node: TargetNode, n: number, sweepRssBeforeMB: number, stepStarted: number): Promise<SweepStep> {
  // What the bots already there cost while nobody talks or joins (timers, ICE consent, RTCP).
  const idleCpu0 = cpuMs();
  const idleWall0 = performance.now();
  if (fleet.bots.length > 0) await sleep(1000);
  const idleCoresBefore = fleet.bots.length > 0 ? (cpuMs() - idleCpu0) / (performance.now() - idleWall0) : 0;
  const added = fleet.add(n - fleet.bots.length, roomOf8, { talk: p59, mediaPath: 'fast' });
  const joined = await joinPhase(node, added, expectedOnSfu(n, roomOf8));
  const rssPerBotMB = (rssMB() - sweepRssBeforeMB) / n;
  const { media } = await measureMedia(fleet, node, config.sweepSeconds);
  const machineCores = media.loaderCores + media.workerCores.reduce((a, b) => a + b, 0) + media.sfuNodeCores;
  const invalidBecause = invalidReasons(fleet, joined, media);
  return {
    bots: n,
    rooms: n / roomOf8,
    join: joined,
    joinPeerConnectionsPerCpuSecond: joined.peerConnections / (joined.cpuMs / 1000),
    idleCoresBefore,
    joinNetPeerConnectionsPerCpuSecond: joined.peerConnections / Math.max(1e-3, (joined.cpuMs - idleCoresBefore * joined.settledWallMs) / 1000),
    rssPerBotMB,
    media,
    packetsPerBotPerSecond: (media.sent + media.received) / n / media.seconds,
    loaderPacketUs: (media.loaderCpuMs * 1000) / Math.max(1, media.sent + media.received),
    workerPacketUs: (media.workerCpuMs * 1000) / Math.max(1, media.sent + media.received),
    machineCores,
    valid: invalidBecause.length === 0,
    invalidBecause,
    botsPerCore: n / media.loaderCores,
    stepSeconds: (performance.now() - stepStarted) / 1000,
  };
}

/** Why a step's figures do not count; none when they do. */
function invalidReasons(fleet: BenchFleet, joined: JoinPhase, media: MediaWindow): string[] {
  const reasons: string[] = [];
  const dropped = fleet.bots.filter((b) => b.state !== 'connected').length;
  if (dropped > 0) reasons.push(`${dropped} bots not connected`);
  if (!joined.settled) reasons.push('SFU did not hold every consumer');
  if (!(media.lagP99Ms < limits.lagP99Ms)) reasons.push(`lag p99 ${media.lagP99Ms.toFixed(1)} ms`);
  if (!(media.latencyP50Ms < limits.latencyP50Ms)) reasons.push(`latency p50 ${media.latencyP50Ms.toFixed(2)} ms`);
  if (!(media.lossRatio <= limits.lossRatio)) reasons.push(`loss ${(media.lossRatio * 100).toFixed(1)}%`);
  return reasons;
}

/** What ends the sweep after `step`: no room left for the next one, or an invalid step; undefined to go on. */
function stopReason(step: SweepStep): SweepLimit | undefined {
  const { media } = step;
  const workerSaturated = Math.max(...media.workerCores) >= limits.workerCores;
  const machineSaturated = step.machineCores >= limits.machineShare * cores;
  // Past invalid steps, one whose event loop is 10 times over the limit is as far as a curve goes.
  const overrun = media.lagP99Ms >= 10 * limits.lagP99Ms;
  if (workerSaturated || machineSaturated || media.loaderCores >= limits.loaderCores || (!step.valid && (!config.sweepPastInvalid || overrun))) {
    return workerSaturated ? 'target' : machineSaturated ? 'machine' : step.valid || media.loaderCores >= limits.loaderCores ? 'loader' : config.sweepPastInvalid ? 'overrun' : 'invalid-step';
  }
  return undefined;
}

/** The step `botsPerCore` comes from: the largest valid one before the first invalid one. */
export function bestStep(steps: SweepStep[]): SweepStep | undefined {
  const firstInvalid = steps.findIndex((s) => !s.valid);
  return (firstInvalid < 0 ? steps : steps.slice(0, firstInvalid)).at(-1);
}
