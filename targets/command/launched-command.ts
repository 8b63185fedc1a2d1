/**
 * A launched target of the user's own: `instances` runs of a command (their SFU), each on a port of
 * its own, named node-0 … node-<n-1> and put behind rtcstorm's directory as bundled nodes are, so
 * kill, pause and restart work on them and rooms move when one dies. Each instance is a process
 * group of its own: chaos and the end of the run reach the SFU's children (its media workers) too.
 * It is alive while its port accepts connections (or GET `health` answers below 500); only the
 * HTTP check tells a paused instance, whose kernel still accepts connections, from a live one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { diesWithParent, findExecutable, keepLastLines, processUsage as usage } from '../../core/processes.js';
import type { ProcessLedger } from '../../ports/process-ledger.js';
import type { NodeStats, Target } from '../../ports/target-control.js';
import { Directory } from '../../target-server/directory.js';
import { ChildInstance, InstanceCluster } from '../../target-server/instance-cluster.js';

export interface LaunchedCommandOptions {
  command: string[];
  instances: number;
  port: number;
  url: string;
  health: string | null;
  env: Record<string, string>;
  readyTimeoutMs: number;
  /** Where relative paths in `command` are read from and the command runs: the scenario's folder. */
  cwd: string;
  processes: ProcessLedger;
}

const stopGraceMs = 5_000;
const heartbeatMs = 500;

/** The command's program as a path: relative to the scenario's folder when it names one, else from the PATH. */
export function resolveProgram(program: string, cwd: string): string | undefined {
  if (program.includes('/')) return isAbsolute(program) ? program : resolve(cwd, program);
  return findExecutable([program]);
}

const fill = (text: string, port: number, instance: number): string => text.replaceAll('{port}', String(port)).replaceAll('{instance}', String(instance));

/** Whether something accepts a TCP connection on 127.0.0.1:`port` within `timeoutMs`. */
function accepts(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    const end = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      done(ok);
    };
    const timer = setTimeout(() => end(false), timeoutMs);
    socket.once('connect', () => end(true));
    socket.once('error', () => end(false));
  });
}

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status < 500;
  } catch {
    return false;
  }
}

/** The process and every descendant, parents first (from each process's parent in /proc: kernels may lack the children lists). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const found = [pid];
  for (let i = 0; i < found.length; i++) found.push(...(children.get(found[i]!) ?? []));
  return found;
}


class CommandInstance extends ChildInstance {
  readonly lastLines: () => string;

  constructor(
    readonly id: string,
    child: ChildProcess,
    readonly url: string,
    private readonly port: number,
    private readonly healthUrl: string | null,
    private readonly roomsOf: () => number,
  ) {
    super(child, stopGraceMs);
    this.lastLines = keepLastLines(child);
  }

  alive(timeoutMs: number): Promise<boolean> {
    return this.healthUrl ? answers(this.healthUrl, timeoutMs) : accepts(this.port, timeoutMs);
  }

  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.running) {
      if (await this.alive(500)) return;
      await sleep(100);
    }
    if (!this.running) await this.exited;
    const why = this.running ? `did not ${this.healthUrl ? `answer GET ${this.healthUrl}` : `accept connections on port ${this.port}`} within ${timeoutMs / 1000} s` : this.exitDetail;
    throw new Error(`target.launch ${this.id} did not come up: ${why}; its last lines:\n${this.lastLines() || '(none)'}`);
  }

  /** The whole process group: the SFU's own children (media workers) are part of the instance. */
  override signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // The group is gone.
    }
  }

  override async stop(): Promise<void> {
    this.expectedExit = true;
    if (!this.running) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), stopGraceMs);
    await this.exited;
    clearTimeout(timer);
    // Children that outlived their parent's SIGTERM.
    this.signal('SIGKILL');
  }

  async stats(): Promise<NodeStats | undefined> {
    if (!this.running) return undefined;
    const [own, ...children] = processTree(this.pid);
    const main = own === undefined ? undefined : usage(own);
    if (!main) return undefined;
    const workers = children.flatMap((pid) => {
      const used = usage(pid);
      return used ? [{ workerId: `${this.id}/${pid}`, pid, cpuMs: used.cpuMs, roomIds: [], udpPorts: [] }] : [];
    });
    return { nodeId: this.id, pid: this.pid, processCpuMs: main.cpuMs, rssBytes: main.rssBytes, rooms: this.roomsOf(), peers: 0, transports: 0, producers: 0, consumers: 0, workers };
  }
}

class LaunchedCommand extends InstanceCluster<CommandInstance> {
  private readonly heartbeats: NodeJS.Timeout;
  readonly workersPerNode = 0;

  constructor(
    private readonly options: LaunchedCommandOptions,
    private readonly program: string,
    directory: Directory,
    nodeIds: string[],
  ) {
    super(directory, nodeIds, options.processes, (nodeId) => `target.launch ${nodeId}`);
    this.heartbeats = setInterval(() => void this.heartbeat(), heartbeatMs);
  }

  private async heartbeat(): Promise<void> {
    await Promise.all(
      [...this.current.values()].map(async (instance) => {
        if (instance.running && !this.isPaused(instance.id) && (await instance.alive(heartbeatMs))) this.directory.heartbeat(instance.id, instance.url);
      }),
    );
  }

  async startInstance(nodeId: string): Promise<CommandInstance> {
    const index = this.nodeIds.indexOf(nodeId);
    const { options } = this;
    const port = options.port + index;
    const args = options.command.slice(1).map((arg) => fill(arg, port, index));
    const env = { ...process.env, ...Object.fromEntries(Object.entries(options.env).map(([k, v]) => [k, fill(v, port, index)])) };
    // A group of its own (detached), ended by the kernel with the run even after a kill -9 of it.
    const command = diesWithParent(this.program, args);
    const child = spawn(command.command, command.args, { cwd: options.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.once('error', () => undefined);
    if (child.pid !== undefined) this.processes.started(child.pid, `target.launch ${nodeId}`);
    const url = fill(options.url, port, index);
    const health = options.health === null ? null : new URL(options.health, `http://127.0.0.1:${port}`).toString();
    const instance = new CommandInstance(nodeId, child, url, port, health, () => this.directory.roomsOf(nodeId).length);
    return this.adoptWhenReady(nodeId, instance, () => instance.ready(options.readyTimeoutMs));
  }

  protected async pausePids(instance: CommandInstance): Promise<number[]> {
    return processTree(instance.pid);
  }

  protected override async release(): Promise<void> {
    clearInterval(this.heartbeats);
    await super.release();
  }
}

/** Starts every instance; on failure stops what started and throws (the run then exits 2 with the reason). */
export async function startLaunchedCommand(options: LaunchedCommandOptions): Promise<Target> {
  const [first] = options.command;
  const program = first === undefined ? undefined : resolveProgram(first, options.cwd);
  if (!program) throw new Error(`target.launch.command: ${first ?? '(empty)'} not found`);
  const directory = await Directory.start();
  const nodeIds = [...Array(options.instances).keys()].map((i) => `node-${i}`);
  const target = new LaunchedCommand(options, program, directory, nodeIds);
  target.software = options.command.join(' ');
  return target.startAll();
}
