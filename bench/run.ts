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
 * 4. Sweep, fast path: rooms of 8 speakers talking as ITU-T P.59 says, with DTX, audio only. One fleet
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
 * 5. Joins: `joinsPerSecondPerCore` = peer connections joined (a speaker holds 2, a listener 1) over
 *    the loader's CPU seconds, summed over every fast-path join phase of the run (idle, per packet,
 *    sweep): hundreds of joins with BENCH_JOIN_CONCURRENCY in flight, the sweep's into a process that
 *    holds the earlier steps' bots. A phase's CPU runs until the SFU holds every new consumer
 *    (renegotiations included). Each sweep step also gives the idle CPU of the bots already there and
 *    its joins net of it. Wall time is reported too; on 2 shared cores the SFU bounds it as much as
 *    the loader does.
 *
 * Sizes, from the environment (defaults): BENCH_ROOMS (5), BENCH_SECONDS (10), BENCH_IDLE_BOTS (32),
 * BENCH_SWEEP (64,128,256,384,512,640,768,1024; rounded up to rooms of 8), BENCH_SWEEP_MAX (1024),
 * BENCH_SWEEP_SECONDS (BENCH_SECONDS), BENCH_SWEEP_BUDGET_S (150), BENCH_SWEEP_PAST_INVALID (0),
 * BENCH_JOIN_CONCURRENCY (32), BENCH_WORKERS (2). Only this bench's own processes are counted: load
 * from other processes on a shared machine shows as lag and latency, not as `machine` saturation.
 *
 * Every loop is bounded in count and time; every bot is closed and the target stopped in `finally`.
 * Loopback only. Figures vary between runs on a shared machine: compare within a run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { EventLoopLag } from '../bots/fleet/harness-probe.js';
import { SendScheduler } from '../bots/fleet/send-scheduler.js';
import type { WeriftBot } from '../bots/werift/werift-bot.js';
import { Histogram } from '../core/metrics/histogram.js';
import { MetricStore } from '../core/metrics/store.js';
import { packageRoot } from '../core/paths.js';
import { startBundledTarget, type TargetNode } from '../target-server/bundled-target.js';
import { benchAudio, benchBot, peerConnectionsOf, sleep, type BenchBotOptions } from './bench-bot.js';

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`bench: ${name}=${raw} is not a number in ${min}..${max}`);
  return value;
}

const roomOf8 = 8;
const roomOf4 = 4;
const toRooms = (n: number, size: number): number => Math.max(size, Math.ceil(n / size) * size);
const config = {
  workersPerNode: envNumber('BENCH_WORKERS', 2, 1, 16),
  joinConcurrency: envNumber('BENCH_JOIN_CONCURRENCY', 32, 1, 512),
  idleBots: toRooms(envNumber('BENCH_IDLE_BOTS', 32, 1, 512), roomOf8),
  packetRooms: envNumber('BENCH_ROOMS', 5, 1, 64),
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

const limits = { lagP99Ms: 20, latencyP50Ms: 1, lossRatio: 0.01, workerCores: 0.85, loaderCores: 0.95, machineShare: 0.9 };
const goals = { botPacketUs: 20, botsPerCore: 500, joinsPerSecondPerCore: 100, idleBotRssMB: 1 };
const settleTimeoutMs = 15_000;
const drainTimeoutMs = 15_000;
const cores = availableParallelism();
const p59 = { model: 'p59', dtx: true } as const;

const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

function rssMB(): number {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage.rss() / 2 ** 20;
}

const progress = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

interface SfuCpu { workersMs: number[]; nodeMs: number; atMs: number; producers: number; consumers: number; peers: number }

async function sfuCpu(node: TargetNode): Promise<SfuCpu> {
  const stats = await node.stats(5000);
  if (!stats) throw new Error('bench: the SFU node did not answer stats');
  return { workersMs: stats.workers.map((w) => w.cpuMs), nodeMs: stats.processCpuMs, atMs: performance.now(), producers: stats.producers, consumers: stats.consumers, peers: stats.peers };
}

/** Join phases of fast-path bots (idle, per packet, sweep): `joinsPerSecondPerCore` is over all of them. */
const fastJoins: JoinPhase[] = [];

/** Every bot ever made, closed in `finally` whatever happened. */
const allBots: WeriftBot[] = [];
let nextBotId = 0;
let nextRoom = 0;

/** Bots of one phase: one store, one send scheduler for all (as a fleet process has), one per-second sampler. */
class BenchFleet {
  readonly store = new MetricStore(Date.now());
  readonly bots: WeriftBot[] = [];
  private scheduler: SendScheduler | undefined;
  private sampler: NodeJS.Timeout | undefined;

  constructor(private readonly nodeUrl: string, readonly group: string) {}

  /** `n` bots in new rooms of `roomSize`. */
  add(n: number, roomSize: number, options: Pick<BenchBotOptions, 'talk' | 'mediaPath' | 'role'>): WeriftBot[] {
    const added: WeriftBot[] = [];
    for (let i = 0; i < n; i++) {
      if (i % roomSize === 0) nextRoom++;
      added.push(benchBot({ id: nextBotId++, room: nextRoom, nodeUrl: this.nodeUrl, group: this.group, store: this.store, ...options }));
    }
    this.bots.push(...added);
    allBots.push(...added);
    return added;
  }

  flush(): void {
    const now = Date.now();
    for (const bot of this.bots) bot.sampleSecond(now);
  }

  startMedia(): void {
    this.stopMedia();
    this.scheduler = new SendScheduler(benchAudio.ptimeMs);
    for (const bot of this.bots) this.scheduler.add(bot);
    this.scheduler.start();
    this.sampler = setInterval(() => this.flush(), 1000);
  }

  stopMedia(): void {
    this.scheduler?.stop();
    clearInterval(this.sampler);
    this.scheduler = undefined;
    this.sampler = undefined;
  }

  second(atMs: number): number {
    return Math.floor((atMs - this.store.startMs) / 1000);
  }

  totals(): { sent: number; received: number; expected: number } {
    return { sent: this.store.counter('packets_sent'), received: this.store.counter('packets_received'), expected: this.store.counter('packets_expected') };
  }

  /** Closes the bots and waits until the SFU has let go of them, so the next phase starts clean. */
  async close(node: TargetNode): Promise<void> {
    this.stopMedia();
    for (const bot of this.bots) bot.close();
    const until = performance.now() + drainTimeoutMs;
    while (performance.now() < until && ((await node.stats(2000))?.peers ?? 0) > 0) await sleep(200);
    await sleep(300);
  }
}

/** Waits (bounded) until the SFU holds the producers and consumers a phase's rooms should have, then a little more. */
async function settle(node: TargetNode, producers: number, consumers: number): Promise<boolean> {
  const until = performance.now() + settleTimeoutMs;
  for (;;) {
    const stats = await sfuCpu(node);
    if (stats.producers >= producers && stats.consumers >= consumers) break;
    if (performance.now() > until) return false;
    await sleep(200);
  }
  await sleep(500);
  return true;
}

/** Speakers in full rooms of `roomSize`: what the SFU holds once they joined. */
function expectedOnSfu(bots: number, roomSize: number): { producers: number; consumers: number } {
  return { producers: bots, consumers: bots * (roomSize - 1) };
}

interface JoinPhase { bots: number; connected: number; failed: number; peerConnections: number; wallMs: number; settledWallMs: number; cpuMs: number; settled: boolean }

/** Joins with at most `joinConcurrency` in flight; CPU runs until the SFU holds everything (renegotiations included). */
async function joinPhase(node: TargetNode, bots: WeriftBot[], expected: { producers: number; consumers: number }): Promise<JoinPhase> {
  const cpu0 = cpuMs();
  const wall0 = performance.now();
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < bots.length) await bots[next++]!.join();
  };
  await Promise.all([...Array(Math.min(config.joinConcurrency, bots.length)).keys()].map(runner));
  const wallMs = performance.now() - wall0;
  const settled = await settle(node, expected.producers, expected.consumers);
  const cpuUsed = cpuMs() - cpu0;
  const connected = bots.filter((b) => b.state === 'connected');
  return {
    bots: bots.length,
    connected: connected.length,
    failed: bots.length - connected.length,
    peerConnections: connected.reduce((n, bot) => n + peerConnectionsOf(bot), 0),
    wallMs,
    settledWallMs: performance.now() - wall0,
    cpuMs: cpuUsed,
    settled,
  };
}

interface MediaWindow {
  seconds: number;
  loaderCpuMs: number;
  /** Loader CPU as a fraction of one core. */
  loaderCores: number;
  lagP99Ms: number;
  lagMaxMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  sent: number;
  received: number;
  /** Packets the receivers should have had, by sequence numbers. */
  expected: number;
  lossRatio: number;
  workerCpuMs: number;
  /** Each mediasoup worker's CPU as a fraction of one core. */
  workerCores: number[];
  /** The SFU node process (signalling) as a fraction of one core. */
  sfuNodeCores: number;
}

/** Media for a second unmeasured, then `seconds` measured. */
async function measureMedia(fleet: BenchFleet, node: TargetNode, seconds: number): Promise<{ media: MediaWindow; latency: Histogram }> {
  fleet.startMedia();
  try {
    await sleep(1000);
    const sfu0 = await sfuCpu(node);
    fleet.flush();
    const totals0 = fleet.totals();
    const lag = new EventLoopLag();
    const cpu0 = cpuMs();
    const wall0 = performance.now();
    const from = fleet.second(Date.now()) + 1;
    await sleep(seconds * 1000);
    const loaderCpuMs = cpuMs() - cpu0;
    const wallMs = performance.now() - wall0;
    lag.close();
    fleet.flush();
    const totals1 = fleet.totals();
    const to = fleet.second(Date.now()) - 1;
    const sfu1 = await sfuCpu(node);
    const sfuWallMs = sfu1.atMs - sfu0.atMs;
    const latency = fleet.store.histogram('e2e_latency_ms', undefined, from, Math.max(from, to));
    const workersMs = sfu1.workersMs.map((ms, i) => ms - (sfu0.workersMs[i] ?? 0));
    const sent = totals1.sent - totals0.sent;
    const received = totals1.received - totals0.received;
    const expected = totals1.expected - totals0.expected;
    const media: MediaWindow = {
      seconds: wallMs / 1000,
      loaderCpuMs,
      loaderCores: loaderCpuMs / wallMs,
      lagP99Ms: lag.percentileMs(99),
      lagMaxMs: lag.maxMs,
      latencyP50Ms: latency.percentile(50),
      latencyP99Ms: latency.percentile(99),
      sent,
      received,
      expected,
      lossRatio: expected > 0 ? Math.max(0, 1 - received / expected) : 1,
      workerCpuMs: workersMs.reduce((a, b) => a + b, 0),
      workerCores: workersMs.map((ms) => ms / sfuWallMs),
      sfuNodeCores: (sfu1.nodeMs - sfu0.nodeMs) / sfuWallMs,
    };
    return { media, latency };
  } finally {
    fleet.stopMedia();
  }
}

interface SweepStep {
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
  machineCores: number;
  valid: boolean;
  invalidBecause: string[];
  botsPerCore: number;
  stepSeconds: number;
}

/** One media path's per-packet segments, summed. */
interface PacketRun {
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

type SweepLimit = 'invalid-step' | 'overrun' | 'loader' | 'target' | 'machine' | 'last-step' | 'time-budget';

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
  fastJoins.push(idleJoin);
  if (idleJoin.failed > 0) throw new Error(`bench: ${idleJoin.failed} of ${idleJoin.bots} idle bots did not join`);
  await sleep(500);
  const rssAfterMB = rssMB();
  const idleBotRssMB = (rssAfterMB - rssBeforeMB) / idleJoin.connected;
  await idleFleet.close(node);

  // 3. Per packet: fast, werift, werift, fast (half the seconds each), so drift over the run and
  // whatever the first segment pays (JIT, the idle phase's garbage) weigh on both paths alike.
  const segments: Array<'fast' | 'werift'> = ['fast', 'werift', 'werift', 'fast'];
  const empty = (): PacketRun => ({ bots: 0, segments: 0, seconds: 0, loaderCpuMs: 0, workerCpuMs: 0, sent: 0, received: 0, expected: 0, lagP99Ms: 0, latencyP50Ms: NaN, latencyP99Ms: NaN, botPacketUs: NaN, workerPacketUs: NaN, joinPeerConnectionsPerCpuSecond: NaN });
  const perPacket = { fast: empty(), werift: empty() };
  const latencyOf = { fast: Histogram.forMetric('e2e_latency_ms'), werift: Histogram.forMetric('e2e_latency_ms') };
  const joinOf = { fast: { pcs: 0, cpuMs: 0 }, werift: { pcs: 0, cpuMs: 0 } };
  const segmentSeconds = Math.max(1, config.packetSeconds / 2);
  /** Each segment on its own: how far apart the two of one path are says how noisy the machine was. */
  const packetSegments: Array<{ mediaPath: 'fast' | 'werift'; botPacketUs: number; workerPacketUs: number; loaderCores: number; latencyP50Ms: number; lagP99Ms: number }> = [];
  for (const mediaPath of segments) {
    progress(`per packet: ${mediaPath} path, ${config.packetRooms} rooms of ${roomOf4}, ${segmentSeconds} s`);
    const fleet = new BenchFleet(node.url, `packet-${mediaPath}`);
    const bots = fleet.add(config.packetRooms * roomOf4, roomOf4, { talk: { model: 'always' }, mediaPath });
    const joined = await joinPhase(node, bots, expectedOnSfu(bots.length, roomOf4));
    if (joined.failed > 0) throw new Error(`bench: ${joined.failed} of ${joined.bots} bots (${mediaPath} path) did not join`);
    if (mediaPath === 'fast') fastJoins.push(joined);
    const { media, latency } = await measureMedia(fleet, node, segmentSeconds);
    await fleet.close(node);
    const segmentPackets = Math.max(1, media.sent + media.received);
    packetSegments.push({
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
  const packetRuns = [perPacket.fast, perPacket.werift];
  const workerPacketUs = (packetRuns.reduce((n, r) => n + r.workerCpuMs, 0) * 1000) / packetRuns.reduce((n, r) => n + r.sent + r.received, 0);

  // 4. Sweep, growing one fleet.
  const sweep: SweepStep[] = [];
  let sweepLimit: SweepLimit = 'last-step';
  const sweepStarted = performance.now();
  const sweepFleet = new BenchFleet(node.url, 'sweep');
  const sweepRssBeforeMB = rssMB();
  for (const n of config.sweep) {
    const stepStarted = performance.now();
    const elapsedS = (stepStarted - sweepStarted) / 1000;
    // The next step takes about as long as the last, scaled by the bots: it is not started if it would end past the budget.
    const last = sweep.at(-1);
    if (elapsedS + (last ? (last.stepSeconds * n) / last.bots : 0) > config.sweepBudgetS) {
      sweepLimit = 'time-budget';
      break;
    }
    progress(`sweep: ${n} bots (${n / roomOf8} rooms of ${roomOf8}, P.59 + DTX), ${elapsedS.toFixed(0)} s into the sweep`);
    // What the bots already there cost while nobody talks or joins (timers, ICE consent, RTCP).
    const idleCpu0 = cpuMs();
    const idleWall0 = performance.now();
    if (sweepFleet.bots.length > 0) await sleep(1000);
    const idleCoresBefore = sweepFleet.bots.length > 0 ? (cpuMs() - idleCpu0) / (performance.now() - idleWall0) : 0;
    const added = sweepFleet.add(n - sweepFleet.bots.length, roomOf8, { talk: p59, mediaPath: 'fast' });
    const joined = await joinPhase(node, added, expectedOnSfu(n, roomOf8));
    fastJoins.push(joined);
    const rssPerBotMB = (rssMB() - sweepRssBeforeMB) / n;
    const { media } = await measureMedia(sweepFleet, node, config.sweepSeconds);
    const machineCores = media.loaderCores + media.workerCores.reduce((a, b) => a + b, 0) + media.sfuNodeCores;
    const invalidBecause: string[] = [];
    const dropped = sweepFleet.bots.filter((b) => b.state !== 'connected').length;
    if (dropped > 0) invalidBecause.push(`${dropped} bots not connected`);
    if (!joined.settled) invalidBecause.push('SFU did not hold every consumer');
    if (!(media.lagP99Ms < limits.lagP99Ms)) invalidBecause.push(`lag p99 ${media.lagP99Ms.toFixed(1)} ms`);
    if (!(media.latencyP50Ms < limits.latencyP50Ms)) invalidBecause.push(`latency p50 ${media.latencyP50Ms.toFixed(2)} ms`);
    if (!(media.lossRatio <= limits.lossRatio)) invalidBecause.push(`loss ${(media.lossRatio * 100).toFixed(1)}%`);
    const step: SweepStep = {
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
      machineCores,
      valid: invalidBecause.length === 0,
      invalidBecause,
      botsPerCore: n / media.loaderCores,
      stepSeconds: (performance.now() - stepStarted) / 1000,
    };
    sweep.push(step);
    const workerSaturated = Math.max(...media.workerCores) >= limits.workerCores;
    const machineSaturated = machineCores >= limits.machineShare * cores;
    // Past invalid steps, one whose event loop is 10 times over the limit is as far as a curve goes.
    const overrun = media.lagP99Ms >= 10 * limits.lagP99Ms;
    if (workerSaturated || machineSaturated || media.loaderCores >= limits.loaderCores || (!step.valid && (!config.sweepPastInvalid || overrun))) {
      sweepLimit = workerSaturated ? 'target' : machineSaturated ? 'machine' : step.valid || media.loaderCores >= limits.loaderCores ? 'loader' : config.sweepPastInvalid ? 'overrun' : 'invalid-step';
      break;
    }
  }
  await sweepFleet.close(node);
  const firstInvalid = sweep.findIndex((s) => !s.valid);
  const best = (firstInvalid < 0 ? sweep : sweep.slice(0, firstInvalid)).at(-1);
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
    /** 0 when no sweep step was valid. */
    botsPerCore: best ? best.botsPerCore : 0,
    joinsPerSecondPerCore: joinCpuS > 0 ? joinPcs / joinCpuS : 0,
    idleBotRssMB,
    harnessLatencyP50Ms: fast.latencyP50Ms,
    harnessLatencyP99Ms: fast.latencyP99Ms,
    /** The step `botsPerCore` comes from, and what ended the sweep: `target` or `machine` means the figure is target-limited here. */
    botsPerCoreFrom: best ? { bots: best.bots, loaderCores: best.media.loaderCores, lagP99Ms: best.media.lagP99Ms, latencyP50Ms: best.media.latencyP50Ms } : null,
    sweepLimit,
    targetLimited: sweepLimit === 'target' || sweepLimit === 'machine',
    perPacket,
    perPacketSegments: packetSegments,
    sweep,
    joins: {
      phases: fastJoins.length,
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
  const outDir = join(packageRoot, 'reports', 'bench');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);

  const fmt = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
  const meets = (ok: boolean): string => (ok ? 'met' : 'not met');
  const werift = perPacket.werift;
  const rows: Array<[string, string, string]> = [
    ['bot CPU per packet, fast path', `${fmt(result.botPacketUs)} µs`, `≤ ${goals.botPacketUs}: ${meets(result.botPacketUs <= goals.botPacketUs)}`],
    ['bot CPU per packet, stock werift', `${fmt(result.weriftPacketUs)} µs`, ''],
    ['mediasoup worker CPU per packet (in or out)', `${fmt(result.workerPacketUs)} µs`, ''],
    [`  (${fast.bots} bots, rooms of ${roomOf4}; packets fast / werift)`, `${fast.sent + fast.received} / ${werift.sent + werift.received}`, ''],
    [`  per segment, µs (${packetSegments.map((g) => g.mediaPath).join(', ')})`, packetSegments.map((g) => fmt(g.botPacketUs)).join(', '), ''],
    ['voice bots per loader core (measured)', best ? `${fmt(result.botsPerCore, 0)} (${best.bots} bots at ${fmt(best.media.loaderCores, 2)} core)` : '0 (no valid step)', `≥ ${goals.botsPerCore}: ${meets(result.botsPerCore >= goals.botsPerCore)}`],
    ['  sweep ended by', `${sweepLimit}${result.targetLimited ? ' (target-limited on this machine)' : ''}`, ''],
    ['peer connections joined per second per core', `${fmt(result.joinsPerSecondPerCore)}`, `≥ ${goals.joinsPerSecondPerCore}: ${meets(result.joinsPerSecondPerCore >= goals.joinsPerSecondPerCore)}`],
    [`  ${fastJoins.length} join phases: PCs / wall / per wall s`, `${joinPcs} / ${fmt(joinWallS)} s / ${fmt(result.joins.peerConnectionsPerWallSecond)}`, ''],
    ['RSS per idle connected bot', `${fmt(idleBotRssMB, 2)} MB`, `≤ ${goals.idleBotRssMB}: ${meets(idleBotRssMB <= goals.idleBotRssMB)}`],
    ['one-way latency p50 / p99 (fast, upper bound)', `${fmt(result.harnessLatencyP50Ms, 2)} / ${fmt(result.harnessLatencyP99Ms, 2)} ms`, `p50 < ${limits.latencyP50Ms}: ${meets(result.harnessLatencyP50Ms < limits.latencyP50Ms)}`],
  ];
  console.log(`machine: ${cores} cores (${result.machine.cpuModel}), Node ${result.machine.node}, ${result.machine.platform}; SFU: 1 node, ${config.workersPerNode} mediasoup workers`);
  for (const [name, value, goal] of rows) console.log(`${name.padEnd(48)} ${value.padEnd(34)} ${goal}`);
  console.log('\nsweep (rooms of 8, P.59 talkers with DTX, audio; loader = this process; idle = its CPU before the joins; CPU in fractions of one core)');
  const header = ['bots', 'join s', 'PC/s/core', 'idle', 'loader', 'pkt/s/bot', 'µs/pkt', 'lag p99', 'lat p50', 'loss', 'workers', 'sfu node', 'bots/core', 'valid'];
  const widths = [6, 7, 10, 6, 7, 10, 7, 8, 8, 7, 11, 9, 10, 0];
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' ');
  console.log(line(header));
  for (const s of sweep) {
    console.log(
      line([
        `${s.bots}`,
        fmt(s.join.wallMs / 1000),
        fmt(s.joinPeerConnectionsPerCpuSecond),
        fmt(s.idleCoresBefore, 2),
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
  console.log(`\nwritten: ${join(outDir, 'bench.json')} (${fmt(result.durationS, 0)} s)`);
} finally {
  for (const bot of allBots) bot.close();
  await target.stop();
}
