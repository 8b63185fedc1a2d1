/** Phase 4 of the bench (see run.ts): a run per fleet size, growing, each measured and judged. */
import { config, cores, limits, roomOf8 } from './config.js';
import { netJoinCpuMs, runFleet, type JoinPhase } from './fleet-run.js';
import type { MediaWindow } from './media-window.js';
import { progress } from './progress.js';

export interface SweepStep {
  bots: number;
  rooms: number;
  /** Fleet processes the run started. */
  processes: number;
  join: JoinPhase;
  /** Peer connections per second of fleet CPU over the joins, gross (media of bots already joined included). */
  joinPeerConnectionsPerCpuSecond: number;
  /** The same with that media taken out at the per-packet phase's `botPacketUs`. */
  joinNetPeerConnectionsPerCpuSecond: number;
  /** Fleet processes' RSS growth from before the first join to the window's end, over the bots (no GC forced). */
  rssPerBotMB: number;
  media: MediaWindow;
  /** Packets sent + received per bot per second. */
  packetsPerBotPerSecond: number;
  loaderPacketUs: number;
  /** SFU worker CPU over the same packets (each in from its sender, out to each receiver). */
  workerPacketUs: number;
  /** Fleet, run process and SFU together, in cores. */
  machineCores: number;
  harnessValid: boolean;
  valid: boolean;
  invalidBecause: string[];
  botsPerCore: number;
  stepSeconds: number;
}

export type SweepLimit = 'invalid-step' | 'overrun' | 'loader' | 'target' | 'machine' | 'last-step' | 'time-budget';

export async function runSweep(packetUs: number): Promise<{ steps: SweepStep[]; limit: SweepLimit }> {
  const steps: SweepStep[] = [];
  let limit: SweepLimit = 'last-step';
  const sweepStarted = performance.now();
  for (const n of config.sweep) {
    const elapsedS = (performance.now() - sweepStarted) / 1000;
    // The next step takes about as long as the last, scaled by the bots: it is not started if it would end past the budget.
    const last = steps.at(-1);
    if (elapsedS + (last ? (last.stepSeconds * n) / last.bots : 0) > config.sweepBudgetS) {
      limit = 'time-budget';
      break;
    }
    progress(`sweep: a run of ${n} bots (${n / roomOf8} rooms of ${roomOf8}, P.59 + DTX), ${elapsedS.toFixed(0)} s into the sweep`);
    const step = await measureStep(n, packetUs);
    steps.push(step);
    const stop = stopReason(step);
    if (stop) {
      limit = stop;
      break;
    }
  }
  return { steps, limit };
}

async function measureStep(n: number, packetUs: number): Promise<SweepStep> {
  const run = await runFleet({ label: `sweep-${n}`, bots: n, roomSize: roomOf8, talk: 'p59', measureS: config.sweepSeconds });
  const media = run.media!;
  const { join } = run;
  const packets = Math.max(1, media.sent + media.received);
  const machineCores = media.loaderCores + media.runProcessCores + media.workerCores.reduce((a, b) => a + b, 0) + media.sfuNodeCores;
  const invalidBecause = invalidReasons(join, media, run.harnessValid ? null : (run.harnessInvalidReason ?? 'invalid'));
  return {
    bots: n,
    rooms: n / roomOf8,
    processes: run.processes,
    join,
    joinPeerConnectionsPerCpuSecond: join.peerConnections / (join.cpuMs / 1000),
    joinNetPeerConnectionsPerCpuSecond: join.peerConnections / (netJoinCpuMs(join, packetUs) / 1000),
    rssPerBotMB: run.rssPerBotMB,
    media,
    packetsPerBotPerSecond: packets / n / media.seconds,
    loaderPacketUs: (media.loaderCpuMs * 1000) / packets,
    workerPacketUs: (media.workerCpuMs * 1000) / packets,
    machineCores,
    harnessValid: run.harnessValid,
    valid: invalidBecause.length === 0,
    invalidBecause,
    botsPerCore: n / media.loaderCores,
    stepSeconds: run.wallS,
  };
}

/** Why a step's figures do not count; none when they do. */
function invalidReasons(joined: JoinPhase, media: MediaWindow, harnessInvalid: string | null): string[] {
  const reasons: string[] = [];
  if (joined.failed > 0) reasons.push(`${joined.failed} bots not connected`);
  if (!joined.settled) reasons.push('SFU did not hold every consumer');
  if (!(media.lagP99Ms < limits.lagP99Ms)) reasons.push(`lag p99 ${media.lagP99Ms.toFixed(1)} ms`);
  if (!(media.latencyP50Ms < limits.latencyP50Ms)) reasons.push(`latency p50 ${media.latencyP50Ms.toFixed(2)} ms`);
  if (!(media.lossRatio <= limits.lossRatio)) reasons.push(`loss ${(media.lossRatio * 100).toFixed(1)}%`);
  if (harnessInvalid !== null) reasons.push(`harness invalid: ${harnessInvalid}`);
  return reasons;
}

/** What ends the sweep after `step`: no room left for the next one, or an invalid step; undefined to go on. */
function stopReason(step: SweepStep): SweepLimit | undefined {
  const { media } = step;
  const workerSaturated = Math.max(...media.workerCores) >= limits.workerCores;
  const machineSaturated = step.machineCores >= limits.machineShare * cores;
  // A fleet process is one event loop: one of them near a full core is as far as the loader goes.
  const loaderSaturated = Math.max(0, ...media.processCores) >= limits.loaderCores;
  // Past invalid steps, one whose event loop is 10 times over the limit is as far as a curve goes.
  const overrun = media.lagP99Ms >= 10 * limits.lagP99Ms;
  if (workerSaturated || machineSaturated || loaderSaturated || (!step.valid && (!config.sweepPastInvalid || overrun))) {
    return workerSaturated ? 'target' : machineSaturated ? 'machine' : step.valid || loaderSaturated ? 'loader' : config.sweepPastInvalid ? 'overrun' : 'invalid-step';
  }
  return undefined;
}

/** The step `botsPerCore` comes from: the largest valid one before the first invalid one. */
export function bestStep(steps: SweepStep[]): SweepStep | undefined {
  const firstInvalid = steps.findIndex((s) => !s.valid);
  return (firstInvalid < 0 ? steps : steps.slice(0, firstInvalid)).at(-1);
}
