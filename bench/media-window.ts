/** A measured window of media: what it cost the loader and the SFU, and how the media fared. */
import { EventLoopLag } from '../bots/fleet/harness-probe.js';
import type { Histogram } from '../core/metrics/histogram.js';
import type { TargetNode } from '../target-server/bundled-target.js';
import type { BenchFleet } from './bench-fleet.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, sfuStats } from './resource-usage.js';

export interface MediaWindow {
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
export async function measureMedia(fleet: BenchFleet, node: TargetNode, seconds: number): Promise<{ media: MediaWindow; latency: Histogram }> {
  fleet.startMedia();
  try {
    await sleep(1000);
    const sfu0 = await sfuStats(node);
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
    const sfu1 = await sfuStats(node);
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
