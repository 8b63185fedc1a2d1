/**
 * The bundled target: a directory and N SFU node processes on loopback, with the controls chaos
 * needs (kill, pause, restart a node; kill a worker). An external target is one URL and no controls.
 */
export type { Target, TargetIncident, TargetNode } from '../ports/target-control.js';
import { fork, type ChildProcess } from 'node:child_process';
import { compiledPath } from '../core/paths.js';
import { noLedger, type ProcessLedger } from '../core/run/process-ledger.js';
import { Directory } from './directory.js';
import type { FromNode, ToNode } from './node-ipc.js';
import type { NodeStats, Target, TargetIncident, TargetNode } from '../ports/target-control.js';

export interface BundledTargetOptions {
  nodes: number;
  workersPerNode: number;
  /** Where node and worker processes are recorded as they start and before they are paused. */
  processes?: ProcessLedger;
}

const startTimeoutMs = 30_000;
const stopGraceMs = 5_000;

class NodeProcess implements TargetNode {
  private nextRequest = 1;
  private readonly waiting = new Map<number, (stats: NodeStats) => void>();
  readonly exited: Promise<void>;
  exitDetail = '';
  onWorkerDied: ((workerId: string, detail: string) => void) | undefined;
  /** Set when rtcstorm itself ends the process (chaos kill, stop). */
  expectedExit = false;

  constructor(readonly id: string, readonly url: string, private readonly child: ChildProcess) {
    this.exited = child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => (this.exitDetail = signal ? `killed by ${signal}` : `exited with code ${code}`));
    child.on('message', (message: FromNode) => {
      if (message.type === 'worker-died') this.onWorkerDied?.(message.workerId, message.message);
      if (message.type !== 'stats') return;
      this.waiting.get(message.requestId)?.(message.stats);
      this.waiting.delete(message.requestId);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
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

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    this.expectedExit = true;
    if (!this.running) return;
    // A paused node cannot act on SIGTERM.
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), stopGraceMs);
    await this.exited;
    clearTimeout(timer);
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

class BundledCluster implements Target {
  private readonly current = new Map<string, NodeProcess>();
  private readonly paused = new Map<string, number[]>();
  private readonly incidentListeners: Array<(incident: TargetIncident) => void> = [];
  private stopping = false;

  constructor(
    private readonly directory: Directory,
    readonly nodeIds: string[],
    readonly workersPerNode: number,
    private readonly processes: ProcessLedger,
  ) {}

  get signallingUrl(): string {
    return this.directory.url;
  }

  get nodes(): TargetNode[] {
    return [...this.current.values()];
  }

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  async startNode(nodeId: string): Promise<NodeProcess> {
    const node = await startNode(nodeId, this.workersPerNode, this.directory.url, this.processes);
    this.current.set(nodeId, node);
    node.onWorkerDied = (workerId, detail) => this.report({ kind: 'worker-died', target: workerId, detail });
    // Registered at once (not at its first heartbeat), so no client is sent elsewhere meanwhile.
    this.directory.heartbeat(nodeId, node.url);
    void node.exited.then(() => {
      this.directory.markDead(nodeId);
      if (!node.expectedExit) this.report({ kind: 'target-crash', target: nodeId, detail: `${nodeId} (pid ${node.pid}) ${node.exitDetail}` });
    });
    return node;
  }

  roomsByNode(): Map<string, string[]> {
    return new Map(this.nodeIds.map((id) => [id, this.directory.roomsOf(id)]));
  }

  private live(nodeId: string): NodeProcess {
    const node = this.current.get(nodeId);
    if (!node?.running) throw new Error(`${nodeId} is not running`);
    return node;
  }

  async killNode(nodeId: string): Promise<string> {
    const node = this.live(nodeId);
    node.expectedExit = true;
    node.signal('SIGKILL');
    await node.exited;
    return `SIGKILL ${nodeId} (pid ${node.pid})`;
  }

  /** Stops the node process and its mediasoup workers (separate processes that would go on forwarding media). */
  async pauseNode(nodeId: string): Promise<string> {
    const node = this.live(nodeId);
    const stats = await node.stats();
    if (!stats) throw new Error(`${nodeId} did not answer; is it paused already?`);
    const pids = [node.pid, ...stats.workers.map((w) => w.pid)];
    // Recorded first: should the run die now, the next one resumes and ends them.
    this.processes.pausing(pids);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    this.paused.set(nodeId, pids);
    return `SIGSTOP ${nodeId} (pids ${pids.join(', ')})`;
  }

  async resumeNode(nodeId: string): Promise<string> {
    const pids = this.paused.get(nodeId);
    if (!pids) throw new Error(`${nodeId} is not paused`);
    this.paused.delete(nodeId);
    for (const pid of pids) process.kill(pid, 'SIGCONT');
    this.processes.resumed(pids);
    return `SIGCONT ${nodeId} (pids ${pids.join(', ')})`;
  }

  async restartNode(nodeId: string): Promise<string> {
    if (this.current.get(nodeId)?.running) throw new Error(`${nodeId} is still running; kill it first`);
    const node = await this.startNode(nodeId);
    return `started ${nodeId} again (pid ${node.pid}, ${node.url})`;
  }

  async killWorker(nodeId: string, workerIndex: number): Promise<string> {
    const stats = await this.live(nodeId).stats();
    const worker = stats?.workers[workerIndex];
    if (!worker) throw new Error(`${nodeId}/worker-${workerIndex} not found (node did not answer or has ${stats?.workers.length ?? 0} workers)`);
    process.kill(worker.pid, 'SIGKILL');
    return `SIGKILL ${worker.workerId} (pid ${worker.pid}), serving ${worker.roomIds.length} room(s)${worker.roomIds.length ? `: ${worker.roomIds.join(', ')}` : ''}`;
  }

  onIncident(listener: (incident: TargetIncident) => void): void {
    this.incidentListeners.push(listener);
  }

  private report(incident: TargetIncident): void {
    for (const listener of this.incidentListeners) listener(incident);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const nodeId of [...this.paused.keys()]) await this.resumeNode(nodeId).catch(() => undefined);
    await Promise.all([...this.current.values()].map((n) => n.stop()));
    await this.directory.close();
  }
}

export async function startBundledTarget(options: BundledTargetOptions): Promise<Target> {
  const directory = await Directory.start();
  const nodeIds = [...Array(options.nodes).keys()].map((i) => `node-${i}`);
  const cluster = new BundledCluster(directory, nodeIds, options.workersPerNode, options.processes ?? noLedger);
  const started = await Promise.allSettled(nodeIds.map((id) => cluster.startNode(id)));
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
