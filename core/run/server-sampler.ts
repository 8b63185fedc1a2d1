/**
 * Samples every node of a bundled target once per second (CPU of the node process and of each
 * mediasoup worker, RSS, rooms, transports, producers, consumers) for the report's server section.
 */
import { realClock, type Clock, type Timer } from '../clock.js';
import type { ServerNodeSeries } from '../../reports/report-types.js';
import type { NodeStats } from '../../ports/target-control.js';
import type { Target } from '../../ports/target-control.js';

interface Previous { atMs: number; pid: number; processCpuMs: number; workerCpuMs: Map<string, number> }

export class ServerSampler {
  private readonly series = new Map<string, ServerNodeSeries>();
  private readonly previous = new Map<string, Previous>();
  private timer: Timer | undefined;

  constructor(private readonly target: Target, private readonly startMs: number, private readonly clock: Clock = realClock) {}

  start(): void {
    this.timer = this.clock.setInterval(() => void this.sample(), 1000);
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
  }

  result(): ServerNodeSeries[] {
    return [...this.series.values()];
  }

  private async sample(): Promise<void> {
    const atMs = this.clock.now();
    const t = Math.floor((atMs - this.startMs) / 1000);
    if (t < 0) return;
    const answered = await Promise.all(this.target.nodes.map((node) => node.stats(900)));
    for (const stats of answered) if (stats) this.add(stats, t, atMs);
  }

  private add(stats: NodeStats, t: number, atMs: number): void {
    const workerCpuMs = new Map(stats.workers.map((w) => [`${w.workerId}@${w.pid}`, w.cpuMs]));
    const before = this.previous.get(stats.nodeId);
    this.previous.set(stats.nodeId, { atMs, pid: stats.pid, processCpuMs: stats.processCpuMs, workerCpuMs });
    // The first sample, or the first of a restarted node, is only a baseline.
    if (!before || before.pid !== stats.pid) return;
    const percent = (deltaMs: number): number => (100 * deltaMs) / (atMs - before.atMs);
    const workerCpuPercent: Record<string, number> = {};
    let workersMs = 0;
    for (const worker of stats.workers) {
      // A replaced worker (new pid) starts from zero.
      const delta = worker.cpuMs - (before.workerCpuMs.get(`${worker.workerId}@${worker.pid}`) ?? 0);
      workerCpuPercent[worker.workerId] = percent(delta);
      workersMs += delta;
    }
    let series = this.series.get(stats.nodeId);
    if (!series) this.series.set(stats.nodeId, (series = { nodeId: stats.nodeId, points: [] }));
    series.points.push({
      t,
      cpuPercent: percent(stats.processCpuMs - before.processCpuMs + workersMs),
      workerCpuPercent,
      rssMB: stats.rssBytes / 2 ** 20,
      rooms: stats.rooms,
      transports: stats.transports,
      producers: stats.producers,
      consumers: stats.consumers,
    });
  }
}
