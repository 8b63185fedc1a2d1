/** Starts SFU node processes on loopback and hands back their addresses and controls. */
import { fork, type ChildProcess } from 'node:child_process';
import { compiledPath } from '../core/paths.js';
import type { FromNode, ToNode } from './node-ipc.js';
import type { NodeStats } from './sfu-node.js';

export interface BundledTargetOptions { nodes: number; workersPerNode: number }

export interface TargetNode {
  readonly id: string;
  readonly url: string;
  readonly pid: number;
  readonly workerPids: number[];
  stats(timeoutMs?: number): Promise<NodeStats | undefined>;
  /** Resolves when the process is gone. */
  readonly exited: Promise<void>;
}

export interface Target {
  /** Signalling URL for each node; room r is served by node r mod nodes. */
  readonly urls: string[];
  readonly nodes: TargetNode[];
  stop(): Promise<void>;
}

const startTimeoutMs = 30_000;
const stopGraceMs = 5_000;

class NodeProcess implements TargetNode {
  private nextRequest = 1;
  private readonly waiting = new Map<number, (stats: NodeStats) => void>();
  readonly exited: Promise<void>;

  constructor(readonly id: string, readonly url: string, readonly workerPids: number[], private readonly child: ChildProcess) {
    this.exited = child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: FromNode) => {
      if (message.type !== 'stats') return;
      this.waiting.get(message.requestId)?.(message.stats);
      this.waiting.delete(message.requestId);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  stats(timeoutMs = 1000): Promise<NodeStats | undefined> {
    if (!this.child.connected) return Promise.resolve(undefined);
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(requestId, (stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      this.child.send({ type: 'stats', requestId } satisfies ToNode);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), stopGraceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function startNode(nodeId: string, workers: number): Promise<NodeProcess> {
  const child = fork(compiledPath('target-server/node-main.ts'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, RTCSTORM_NODE_ID: nodeId, RTCSTORM_WORKERS: String(workers), RTCSTORM_PORT: '0' },
  });
  return new Promise((resolve, reject) => {
    const fail = (reason: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`SFU node ${nodeId} did not start: ${reason}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${startTimeoutMs} ms`), startTimeoutMs);
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`} (is the mediasoup worker built? run: rtcstorm doctor)`));
    child.on('message', function onReady(message: FromNode) {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.off('message', onReady);
      resolve(new NodeProcess(message.nodeId, message.url, message.workerPids, child));
    });
  });
}

export async function startBundledTarget(options: BundledTargetOptions): Promise<Target> {
  const started = await Promise.allSettled([...Array(options.nodes).keys()].map((i) => startNode(`node-${i}`, options.workersPerNode)));
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const stop = async (): Promise<void> => void (await Promise.all(nodes.map((n) => n.stop())));
  if (failure) {
    await stop();
    throw failure.reason as Error;
  }
  return { urls: nodes.map((n) => n.url), nodes, stop };
}

/** An external target: one signalling URL that rtcstorm neither starts nor stops. */
export function externalTarget(url: string): Target {
  return { urls: [url], nodes: [], stop: async () => undefined };
}
