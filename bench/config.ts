/** What a bench run is sized by (BENCH_* from the environment; see run.ts), what a sweep step is held to, and the goals. */
import { availableParallelism } from 'node:os';

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`bench: ${name}=${raw} is not a number in ${min}..${max}`);
  return value;
}

export const roomOf8 = 8;
export const roomOf4 = 4;
const toRooms = (n: number, size: number): number => Math.max(size, Math.ceil(n / size) * size);
export const config = {
  workersPerNode: envNumber('BENCH_WORKERS', 2, 1, 16),
  /** Bots per second a run's ramp-up joins (every phase is a run whose one group ramps up at this rate). */
  joinRate: envNumber('BENCH_JOIN_RATE', 64, 1, 1024),
  /** The same for runs that measure media: joins at 64 a second kept this 2-core machine (SFU and loader) saturated for their first
      seconds at 128 bots, and the run was invalid for it, whatever its window measured; 16 a second holds. */
  mediaJoinRate: envNumber('BENCH_MEDIA_JOIN_RATE', 16, 1, 1024),
  /** Seconds of media after the SFU holds every bot and before the measured window: fresh fleet processes warm up (JIT, first-use allocations). */
  warmSeconds: envNumber('BENCH_WARM_SECONDS', 2, 0, 30),
  /** Fleet processes per run; 0: as `rtcstorm run` picks them (one per core, never more than bots). */
  processes: envNumber('BENCH_FLEET_PROCESSES', 0, 0, 64),
  joinBots: toRooms(envNumber('BENCH_JOIN_BOTS', 256, 8, 4096), roomOf8),
  idleBots: toRooms(envNumber('BENCH_IDLE_BOTS', 32, 1, 512), roomOf8),
  packetRooms: envNumber('BENCH_ROOMS', 5, 1, 64),
  /** Rooms of 4 video bots in the video phase. */
  videoRooms: envNumber('BENCH_VIDEO_ROOMS', 4, 1, 64),
  videoSeconds: envNumber('BENCH_VIDEO_SECONDS', 10, 1, 120),
  packetSeconds: envNumber('BENCH_SECONDS', 10, 1, 120),
  sweepSeconds: envNumber('BENCH_SWEEP_SECONDS', envNumber('BENCH_SECONDS', 10, 1, 120), 1, 120),
  sweepMax: envNumber('BENCH_SWEEP_MAX', 1024, 8, 4096),
  sweepBudgetS: envNumber('BENCH_SWEEP_BUDGET_S', 150, 5, 3600),
  /** 1: the sweep goes on past invalid steps (a curve to look at); `botsPerCore` still stops at the first. */
  sweepPastInvalid: envNumber('BENCH_SWEEP_PAST_INVALID', 0, 0, 1) === 1,
  sweep: [] as number[],
};
config.sweep = [...new Set((process.env.BENCH_SWEEP ?? '64,128,256,384,512,640,768,1024').split(',').map((s) => toRooms(Number(s), roomOf8)))]
  .filter((n) => Number.isFinite(n) && n <= config.sweepMax)
  .sort((a, b) => a - b)
  .slice(0, 16);
if (config.sweep.length === 0) throw new Error('bench: BENCH_SWEEP has no step within BENCH_SWEEP_MAX');

export const limits = { lagP99Ms: 20, latencyP50Ms: 1, lossRatio: 0.01, workerCores: 0.85, loaderCores: 0.95, machineShare: 0.9 };
export const goals = { botPacketUs: 20, botsPerCore: 500, joinsPerSecondPerCore: 100, idleBotRssMB: 1, videoBotsPerCore: 50, voiceCostIncrease: 0.15, nativeBotsPerCore: 1000, nativeToCLoop: 1.5 };
export const cores = availableParallelism();
/** What the UDP floor's senders follow in its at-load segment: the sweep's talkers. */
export const p59 = { model: 'p59', dtx: true } as const;
