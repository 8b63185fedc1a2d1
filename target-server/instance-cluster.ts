/**
 * Instances behind rtcstorm's directory: the part of target control the bundled cluster and a
 * launched Janus share. The instances as they are now and the rooms each serves; killing one;
 * pausing its processes (written to the run's ledger first: a stopped process cannot notice that
 * its parent died) and resuming them; restarting one; what happened that nobody asked for; and
 * stopping them all, paused ones resumed first.
 */
import type { ChildProcess } from 'node:child_process';
import type { ProcessLedger } from '../ports/process-ledger.js';
import type { Target, TargetIncident, TargetNode } from '../ports/target-control.js';
import type { Directory } from './directory.js';

/** What a cluster controls of each instance's process. */
export interface ControlledInstance extends TargetNode {
  readonly running: boolean;
  /** Set when rtcstorm itself ends the process (chaos kill, stop): its end is then no incident. */
  expectedExit: boolean;
  readonly exitDetail: string;
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/** An instance that is one child process of the run: its end, its signals, and stopping it. */
export abstract class ChildInstance implements ControlledInstance {
  abstract readonly id: string;
  abstract readonly url: string;
  abstract stats(timeoutMs?: number): ReturnType<TargetNode['stats']>;
  readonly exited: Promise<void>;
  exitDetail = '';
  expectedExit = false;

  constructor(
    protected readonly child: ChildProcess,
    private readonly stopGraceMs: number,
  ) {
    // 'close': after its output is read, so what it said last is kept when it dies at once.
    this.exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('close', () => resolve()));
    child.once('exit', (code, signal) => (this.exitDetail = signal ? `killed by ${signal}` : `exited with code ${code}`));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    this.expectedExit = true;
    if (!this.running) return;
    // A paused process cannot act on SIGTERM.
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), this.stopGraceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export abstract class InstanceCluster<I extends ControlledInstance> implements Target {
  protected readonly current = new Map<string, I>();
  private readonly paused = new Map<string, number[]>();
  private readonly listeners: Array<(incident: TargetIncident) => void> = [];
  private stopping = false;
  abstract readonly workersPerNode: number;
  software: string | undefined;

  constructor(
    protected readonly directory: Directory,
    readonly nodeIds: string[],
    protected readonly processes: ProcessLedger,
    /** How events name an instance: `node-0`, `Janus node-0`. */
    private readonly label: (nodeId: string) => string,
  ) {}

  /** Starts (or starts again) the instance `nodeId`; adopt() it once it is up. */
  protected abstract startInstance(nodeId: string): Promise<I>;

  /** Starts every instance in turn; when one fails, stops what started and throws its reason. */
  async startAll(): Promise<this> {
    try {
      for (const id of this.nodeIds) await this.startInstance(id);
    } catch (error) {
      await this.stop();
      throw error;
    }
    return this;
  }

  /** The processes pausing an instance stops: its own, and those that forward its media. */
  protected abstract pausePids(instance: I): Promise<number[]>;

  get signallingUrl(): string {
    return this.directory.url;
  }

  get nodes(): TargetNode[] {
    return [...this.current.values()];
  }

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /** A started instance: known to the directory at once (no client is sent elsewhere meanwhile); its end marks it dead. */
  protected adopt(nodeId: string, instance: I): void {
    this.current.set(nodeId, instance);
    this.directory.heartbeat(nodeId, instance.url);
    void instance.exited.then(() => {
      this.directory.markDead(nodeId);
      if (!instance.expectedExit) this.report({ kind: 'target-crash', target: nodeId, detail: `${this.label(nodeId)} (pid ${instance.pid}) ${instance.exitDetail}` });
    });
  }

  /** Adopts an instance once `ready` resolves; stops it and rethrows when it does not come up. */
  protected async adoptWhenReady(nodeId: string, instance: I, ready: () => Promise<void>): Promise<I> {
    try {
      await ready();
    } catch (error) {
      await instance.stop();
      throw error;
    }
    this.adopt(nodeId, instance);
    return instance;
  }

  protected isPaused(nodeId: string): boolean {
    return this.paused.has(nodeId);
  }

  roomsByNode(): Map<string, string[]> {
    return new Map(this.nodeIds.map((id) => [id, this.directory.roomsOf(id)]));
  }

  protected live(nodeId: string): I {
    const instance = this.current.get(nodeId);
    if (!instance?.running) throw new Error(`${nodeId} is not running`);
    return instance;
  }

  async killNode(nodeId: string): Promise<string> {
    const instance = this.live(nodeId);
    instance.expectedExit = true;
    instance.signal('SIGKILL');
    await instance.exited;
    return `SIGKILL ${this.label(nodeId)} (pid ${instance.pid})`;
  }

  async pauseNode(nodeId: string): Promise<string> {
    const pids = await this.pausePids(this.live(nodeId));
    // Recorded first: should the run die now, the next one resumes and ends them.
    this.processes.pausing(pids);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    this.paused.set(nodeId, pids);
    return `SIGSTOP ${this.label(nodeId)} (pids ${pids.join(', ')})`;
  }

  async resumeNode(nodeId: string): Promise<string> {
    const pids = this.paused.get(nodeId);
    if (!pids) throw new Error(`${nodeId} is not paused`);
    this.paused.delete(nodeId);
    for (const pid of pids) process.kill(pid, 'SIGCONT');
    this.processes.resumed(pids);
    return `SIGCONT ${this.label(nodeId)} (pids ${pids.join(', ')})`;
  }

  async restartNode(nodeId: string): Promise<string> {
    if (this.current.get(nodeId)?.running) throw new Error(`${nodeId} is still running; kill it first`);
    const instance = await this.startInstance(nodeId);
    return `started ${this.label(nodeId)} again (pid ${instance.pid}, ${instance.url})`;
  }

  async killWorker(nodeId: string, _workerIndex: number): Promise<string> {
    throw new Error(`${this.label(nodeId)} has no mediasoup workers: kill-worker needs the bundled target`);
  }

  onIncident(listener: (incident: TargetIncident) => void): void {
    this.listeners.push(listener);
  }

  protected report(incident: TargetIncident): void {
    for (const listener of this.listeners) listener(incident);
  }

  /** After the instances are gone: what else the cluster holds (the directory, a veth pair). */
  protected async release(): Promise<void> {
    await this.directory.close();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const nodeId of [...this.paused.keys()]) await this.resumeNode(nodeId).catch(() => undefined);
    await Promise.all([...this.current.values()].map((i) => i.stop()));
    await this.release();
  }
}
