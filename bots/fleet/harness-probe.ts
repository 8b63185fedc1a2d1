import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { MetricStore } from '../../core/metrics/store.js';

/** Samples a harness process's own health every second: event-loop delay and CPU. */
export class HarnessProbe {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();

  constructor(private readonly store: MetricStore, private readonly group: string) {
    this.delay.enable();
  }

  sample(atMs: number): void {
    if (this.delay.count > 0) this.store.record('event_loop_lag_ms', this.delay.percentile(99) / 1e6, this.group, atMs);
    this.delay.reset();
    const cpu = process.cpuUsage(this.lastCpu);
    const now = performance.now();
    this.store.record('harness_cpu_percent', ((cpu.user + cpu.system) / 1000 / (now - this.lastAt)) * 100, this.group, atMs);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
  }

  close(): void {
    this.delay.disable();
  }
}
