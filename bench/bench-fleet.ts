/** The bots of a bench phase, how they join, and how they leave. */
import { SendScheduler } from '../bots/fleet/send-scheduler.js';
import type { WeriftBot } from '../bots/werift/werift-bot.js';
import { MetricStore } from '../core/metrics/store.js';
import type { TargetNode } from '../target-server/bundled-target.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchAudio, benchBot, peerConnectionsOf, type BenchBotOptions } from './bench-bot.js';
import { config } from './config.js';
import { cpuMs, sfuStats } from './resource-usage.js';

const settleTimeoutMs = 15_000;
const drainTimeoutMs = 15_000;

/** Every bot ever made, so that `closeAllBots` can close them whatever happened. */
const allBots: WeriftBot[] = [];
let nextBotId = 0;
let nextRoom = 0;

export function closeAllBots(): void {
  for (const bot of allBots) bot.close();
}

/** Bots of one phase: one store, one send scheduler for all (as a fleet process has), one per-second sampler. */
export class BenchFleet {
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
    const stats = await sfuStats(node);
    if (stats.producers >= producers && stats.consumers >= consumers) break;
    if (performance.now() > until) return false;
    await sleep(200);
  }
  await sleep(500);
  return true;
}

/** Speakers in full rooms of `roomSize`: what the SFU holds once they joined. */
export function expectedOnSfu(bots: number, roomSize: number): { producers: number; consumers: number } {
  return { producers: bots, consumers: bots * (roomSize - 1) };
}

export interface JoinPhase { bots: number; connected: number; failed: number; peerConnections: number; wallMs: number; settledWallMs: number; cpuMs: number; settled: boolean }

/** Joins with at most `joinConcurrency` in flight; CPU runs until the SFU holds everything (renegotiations included). */
export async function joinPhase(node: TargetNode, bots: WeriftBot[], expected: { producers: number; consumers: number }): Promise<JoinPhase> {
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
