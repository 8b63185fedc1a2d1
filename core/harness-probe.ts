import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { MetricStore } from './metrics/store.js';

const resolutionMs = 10;

/**
 * Event-loop lag, sampled by a timer every 10 ms. Node records each timer's whole period, so an
 * idle loop reads ~10 ms; the lag is what comes on top of it.
 */
export class EventLoopLag {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });

  constructor() {
    this.delay.enable();
  }

  get samples(): number {
    return this.delay.count;
  }

  percentileMs(p: number): number {
    return Math.max(0, this.delay.percentile(p) / 1e6 - resolutionMs);
  }

  get maxMs(): number {
    return Math.max(0, this.delay.max / 1e6 - resolutionMs);
  }

  reset(): void {
    this.delay.reset();
  }

  close(): void {
    this.delay.disable();
  }
}

/** Samples a harness process's own health every second: event-loop lag and CPU. */
export class HarnessProbe {
  private readonly lag = new EventLoopLag();
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();

  constructor(private readonly store: MetricStore, private readonly group: string) {}

  sample(atMs: number): void {
    if (this.lag.samples > 0) this.store.record('event_loop_lag_ms', this.lag.percentileMs(99), this.group, atMs);
    this.lag.reset();
    const cpu = process.cpuUsage(this.lastCpu);
    const now = performance.now();
    this.store.record('harness_cpu_percent', ((cpu.user + cpu.system) / 1000 / (now - this.lastAt)) * 100, this.group, atMs);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
  }

  close(): void {
    this.lag.close();
  }
}
