/** Process chaos against the bundled target: which node or worker a step means, and doing it. */
import { spawn } from 'node:child_process';
import type { ChaosStep, ClientChaosStep, NetworkChaosStep } from '../core/scenario/types.js';
import type { Target } from '../ports/target-control.js';

export interface StepOutcome { target: string; detail: string }

/** `random` is drawn from the run's seeded source; `busiest` is the node serving the most rooms now. */
export function pickNode(pick: string, target: Target, random: () => number): string {
  if (pick === 'busiest') {
    const rooms = target.roomsByNode();
    return [...rooms].sort(([a, ra], [b, rb]) => rb.length - ra.length || a.localeCompare(b))[0]?.[0] ?? 'node-0';
  }
  if (pick === 'random') return target.nodeIds[Math.floor(random() * target.nodeIds.length)]!;
  return pick;
}

function pickWorker(pick: string, target: Target, random: () => number): { nodeId: string; index: number } {
  if (pick === 'random') return { nodeId: pickNode('random', target, random), index: Math.floor(random() * target.workersPerNode) };
  const [nodeId, worker] = pick.split('/') as [string, string];
  return { nodeId, index: Number(worker.replace('worker-', '')) };
}

function describeRooms(target: Target, nodeId: string): string {
  const rooms = target.roomsByNode().get(nodeId) ?? [];
  return `serving ${rooms.length} room(s)${rooms.length ? `: ${rooms.join(', ')}` : ''}`;
}

/** Runs a user command (e.g. kubectl delete pod) with a time limit; ok when it exits 0. */
export function runCommand(command: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let output = '';
    const keep = (d: Buffer): void => void (output = (output + d.toString()).slice(-500));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => reject(new Error(`${command.join(' ')}: ${error.message}`)));
    child.once('close', (code, signal) => {
      const summary = `${command.join(' ')} → ${signal ? `killed (${signal}, time limit ${timeoutMs} ms)` : `exit ${code}`}${output.trim() ? `: ${output.trim()}` : ''}`;
      if (code === 0) resolve(summary);
      else reject(new Error(summary));
    });
  });
}

/** Performs the start of a process step; a pause's end is `resume`. */
export async function applyStep(step: Exclude<ChaosStep, NetworkChaosStep | ClientChaosStep>, target: Target, random: () => number): Promise<StepOutcome> {
  switch (step.action) {
    case 'kill-node': {
      const nodeId = pickNode(step.target, target, random);
      const rooms = describeRooms(target, nodeId);
      return { target: nodeId, detail: `${await target.killNode(nodeId)}, ${rooms}` };
    }
    case 'pause-node': {
      const nodeId = pickNode(step.target, target, random);
      const rooms = describeRooms(target, nodeId);
      return { target: nodeId, detail: `${await target.pauseNode(nodeId)}, ${rooms}` };
    }
    case 'restart-node':
      return { target: step.target, detail: await target.restartNode(step.target) };
    case 'kill-worker': {
      const { nodeId, index } = pickWorker(step.target, target, random);
      return { target: `${nodeId}/worker-${index}`, detail: await target.killWorker(nodeId, index) };
    }
    case 'exec':
      return { target: step.command[0]!, detail: await runCommand(step.command, step.timeoutMs) };
  }
}
