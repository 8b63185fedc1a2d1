/**
 * The bundled target: a directory and N SFU node processes on loopback, with the controls chaos
 * needs (kill, pause, restart a node; kill a worker). An external target is one URL and no controls.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { compiledPath } from '../core/paths.js';
import { noLedger } from '../ports/process-ledger.js';
import type { ProcessLedger } from '../ports/process-ledger.js';
import { Directory } from './directory.js';
import type { FromNode, ToNode } from './node-ipc.js';
import type { NodeStats, Target } from '../ports/target-control.js';
import { ChildInstance, InstanceCluster } from './instance-cluster.js';

export interface BundledTargetOptions {
  nodes: number;
  workersPerNode: number;
  /** Where node and worker processes are recorded as they start and before they are paused. */
  processes?: ProcessLedger;
}

const startTimeoutMs = 30_000;
const stopGraceMs = 5_000;

class NodeProcess extends ChildInstance {
  private nextRequest = 1;
  private readonly waiting = new Map<number, (stats: NodeStats) => void>();
  onWorkerDied: ((workerId: string, detail: string) => void) | undefined;

  constructor(
    readonly id: string,
    readonly url: string,
    child: ChildProcess,
  ) {
    super(child, stopGraceMs);
    child.on('message', (message: FromNode) => {
      if (message.type === 'worker-died') this.onWorkerDied?.(message.workerId, message.message);
      if (message.type !== 'stats') return;
      this.waiting.get(message.requestId)?.(message.stats);
      this.waiting.delete(message.requestId);
    });
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
      // A node killed while the request is on its way: no stats, not an unhandled EPIPE.
      this.child.send({ type: 'stats', requestId } satisfies ToNode, (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.waiting.delete(requestId);
        resolve(undefined);
      });
    });
  }
}

function startNode(nodeId: string, workers: number, directoryUrl: string, processes: ProcessLedger): Promise<NodeProcess> {
  const child = fork(compiledPath('target-server/node-main.ts'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, RTCSTORM_NODE_ID: nodeId, RTCSTORM_WORKERS: String(workers), RTCSTORM_PORT: '0', RTCSTORM_DIRECTORY_URL: directoryUrl },
  });
  if (child.pid !== undefined) processes.started(child.pid, `SFU ${nodeId}`);
  return new Promise((resolve, reject) => {
    const fail = (reason: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`SFU node ${nodeId} did not start: ${reason}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${startTimeoutMs} ms`), startTimeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited with ${signal ?? `code ${code}`} (is the mediasoup worker built? run: rtcstorm doctor)`);
    child.once('exit', onExit);
    child.on('message', function onReady(message: FromNode) {
      if (message.type !== 'ready') return;
      message.workerPids.forEach((pid, i) => processes.started(pid, `mediasoup worker ${nodeId}/worker-${i}`));
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('message', onReady);
      resolve(new NodeProcess(message.nodeId, message.url, child));
    });
  });
}

class BundledCluster extends InstanceCluster<NodeProcess> {
  constructor(
    directory: Directory,
    nodeIds: string[],
    readonly workersPerNode: number,
    processes: ProcessLedger,
  ) {
    super(directory, nodeIds, processes, (nodeId) => nodeId);
  }

  async startInstance(nodeId: string): Promise<NodeProcess> {
    const node = await startNode(nodeId, this.workersPerNode, this.directory.url, this.processes);
    node.onWorkerDied = (workerId, detail) => this.report({ kind: 'worker-died', target: workerId, detail });
    this.adopt(nodeId, node);
    return node;
  }

  /** The node process and its mediasoup workers (separate processes that would go on forwarding media). */
  protected async pausePids(node: NodeProcess): Promise<number[]> {
    const stats = await node.stats();
    if (!stats) throw new Error(`${node.id} did not answer; is it paused already?`);
    return [node.pid, ...stats.workers.map((w) => w.pid)];
  }

  override async killWorker(nodeId: string, workerIndex: number): Promise<string> {
    const stats = await this.live(nodeId).stats();
    const worker = stats?.workers[workerIndex];
    if (!worker) throw new Error(`${nodeId}/worker-${workerIndex} not found (node did not answer or has ${stats?.workers.length ?? 0} workers)`);
    process.kill(worker.pid, 'SIGKILL');
    return `SIGKILL ${worker.workerId} (pid ${worker.pid}), serving ${worker.roomIds.length} room(s)${worker.roomIds.length ? `: ${worker.roomIds.join(', ')}` : ''}`;
  }
}

export async function startBundledTarget(options: BundledTargetOptions): Promise<Target> {
  const directory = await Directory.start();
  const nodeIds = [...Array(options.nodes).keys()].map((i) => `node-${i}`);
  const cluster = new BundledCluster(directory, nodeIds, options.workersPerNode, options.processes ?? noLedger);
  const started = await Promise.allSettled(nodeIds.map((id) => cluster.startInstance(id)));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await cluster.stop();
    throw failure.reason as Error;
  }
  return cluster;
}

/** An external target: one signalling URL that rtcstorm neither starts, stops nor controls. */
export function externalTarget(url: string): Target {
  const refuse = async (): Promise<string> => {
    throw new Error('process chaos needs the bundled target; for an external target use an `exec` step');
  };
  return {
    signallingUrl: url,
    urls: [url],
    nodes: [],
    nodeIds: [],
    workersPerNode: 0,
    roomsByNode: () => new Map(),
    killNode: refuse,
    pauseNode: refuse,
    resumeNode: refuse,
    restartNode: refuse,
    killWorker: refuse,
    onIncident: () => undefined,
    stop: async () => undefined,
  };
}
