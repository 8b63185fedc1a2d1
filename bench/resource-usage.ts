/** What the loader (this process) and the SFU node have used so far. */
import type { TargetNode } from '../target-server/bundled-target.js';

/** Every thread of this process: the loader's whole cost. */
export const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export function rssMB(): number {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage.rss() / 2 ** 20;
}

/** The node's CPU so far, and what it holds (settling waits on the latter). */
interface SfuStats { workersMs: number[]; nodeMs: number; atMs: number; producers: number; consumers: number; peers: number }

export async function sfuStats(node: TargetNode): Promise<SfuStats> {
  const stats = await node.stats(5000);
  if (!stats) throw new Error('bench: the SFU node did not answer stats');
  return { workersMs: stats.workers.map((w) => w.cpuMs), nodeMs: stats.processCpuMs, atMs: performance.now(), producers: stats.producers, consumers: stats.consumers, peers: stats.peers };
}
