import { availableParallelism } from 'node:os';
import { exitCodes } from '../../reports/exit-codes.js';
import { startBundledTarget } from '../../target-server/bundled-target.js';
import { abortOnSignals } from './interrupt.js';

export async function targetCommand(opts: { nodes: number; workersPerNode?: number }): Promise<number> {
  const controller = abortOnSignals();
  const target = await startBundledTarget({ nodes: opts.nodes, workersPerNode: opts.workersPerNode ?? availableParallelism() });
  for (const node of target.nodes) process.stdout.write(`${node.id} ${node.url} (pid ${node.pid})\n`);
  process.stdout.write(`directory ${target.signallingUrl}\npoint a scenario at it with: target: { url: ${target.signallingUrl} }   (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    controller.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await target.stop();
  return exitCodes.ok;
}
