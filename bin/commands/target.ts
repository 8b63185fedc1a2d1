import { availableParallelism } from 'node:os';
import { exitCodes } from '../../core/run/exit-codes.js';
import { startBundledTarget } from '../../target-server/bundled-target.js';
import { abortOnSignals } from './interrupt.js';

export async function targetCommand(opts: { nodes: number; workersPerNode?: number }): Promise<number> {
  const controller = abortOnSignals();
  const target = await startBundledTarget({ nodes: opts.nodes, workersPerNode: opts.workersPerNode ?? availableParallelism() });
  for (const node of target.nodes) process.stdout.write(`${node.id} ${node.url} (pid ${node.pid}, workers ${node.workerPids.join(', ')})\n`);
  process.stdout.write(`point a scenario at it with: target: { url: ${target.urls[0]} }   (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    controller.signal.addEventListener('abort', () => resolve(), { once: true });
    // A node that dies on its own ends the foreground target too.
    void Promise.race(target.nodes.map((n) => n.exited)).then(() => resolve());
  });
  await target.stop();
  return exitCodes.ok;
}
