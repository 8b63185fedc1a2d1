/**
 * A launched target: Debian's Janus, `instances` processes that rtcstorm starts, owns and ends,
 * named node-0 … node-<n-1> as bundled nodes are, behind the same directory (rooms → instances,
 * moved when one dies). Each instance has a configuration folder, a WebSocket API socket file and
 * an RTP port range of its own; media goes over the run's veth (janus-loopback.ts). The run's
 * health check of an instance is Janus's `info` request: it says the version, and while it
 * answers the instance heartbeats to the directory; a paused instance stops answering and loses
 * its rooms, as a paused bundled node does.
 */
import { recordFolder } from '../../core/host/install-record.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { diesWithParent, findExecutable, keepLastLines, processUsage as usage } from '../../core/processes.js';
import type { ProcessLedger } from '../../ports/process-ledger.js';
import type { NodeStats, Target } from '../../ports/target-control.js';
import { ChildInstance, InstanceCluster } from '../../target-server/instance-cluster.js';
import { Directory } from '../../target-server/directory.js';
import { addJanusLoopback, type JanusLoopback } from './janus-loopback.js';
import { writeJanusConfig } from './janus-config.js';

export interface LaunchedJanusOptions {
  instances: number;
  runTag: string;
  processes: ProcessLedger;
  /** The API on 127.0.0.1 from this port on (one per instance) instead of a socket file: for servers in front of Janus that dial TCP. */
  tcpApiPort?: number;
}

const startTimeoutMs = 15_000;
const stopGraceMs = 3_000;
const heartbeatMs = 500;
/** Janus binds one UDP port per ICE agent (a peer connection): a range of this many per instance. */
const portsPerInstance = 4000;
const firstRtpPort = 20_000;

/** `janus` on the PATH (or $JANUS_BIN); undefined when not installed. */
export function findJanus(): string | undefined {
  return findExecutable(['janus'], 'JANUS_BIN');
}

export const janusInstallHint = 'install Debian\'s janus (apt-get install janus; npm run setup does it), or set JANUS_BIN';

/** Janus's `info` request on a socket of its own: the version string, or undefined when it does not answer in time. */
function info(url: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'janus-protocol', { handshakeTimeout: timeoutMs });
    const done = (version: string | undefined): void => {
      clearTimeout(timer);
      socket.terminate();
      resolve(version);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('open', () => socket.send(JSON.stringify({ janus: 'info', transaction: 'info' })));
    socket.on('message', (raw) => {
      const reply = JSON.parse((raw as Buffer).toString()) as { janus?: string; version_string?: string };
      if (reply.janus === 'server_info') done(reply.version_string ?? 'unknown');
    });
    socket.on('error', () => done(undefined));
  });
}


class JanusInstance extends ChildInstance {
  readonly url: string;
  readonly lastLines: () => string;

  constructor(
    readonly id: string,
    child: ChildProcess,
    private readonly api: { socket: string } | { port: number },
    readonly rtpPorts: { from: number; to: number },
    private readonly roomsOf: () => number,
  ) {
    super(child, stopGraceMs);
    this.url = 'socket' in api ? `ws+unix://${api.socket}:/` : `ws://127.0.0.1:${api.port}`;
    this.lastLines = keepLastLines(child);
  }

  /** Waits for the API to answer `info`; the version, or an error with the instance's last log lines. */
  async ready(): Promise<string> {
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline && this.running) {
      const version = !('socket' in this.api) || existsSync(this.api.socket) ? await info(this.url, 1000) : undefined;
      if (version) return version;
      await sleep(100);
    }
    // Gone: its output is all read once it closed.
    if (!this.running) await this.exited;
    const why = this.running ? `did not answer on ${this.url} within ${startTimeoutMs / 1000} s` : this.exitDetail;
    throw new Error(`Janus ${this.id} did not come up: ${why}; its last lines:\n${this.lastLines()}`);
  }

  async stats(timeoutMs = 1000): Promise<NodeStats | undefined> {
    if (!this.running || !(await info(this.url, timeoutMs))) return undefined;
    const used = usage(this.pid);
    if (!used) return undefined;
    const ports = [...Array(this.rtpPorts.to - this.rtpPorts.from + 1).keys()].map((k) => this.rtpPorts.from + k);
    // Janus forwards media itself: one entry, the process, whose CPU is the instance's.
    return { nodeId: this.id, pid: this.pid, processCpuMs: 0, rssBytes: used.rssBytes, rooms: this.roomsOf(), peers: 0, transports: 0, producers: 0, consumers: 0, workers: [{ workerId: `${this.id}/janus`, pid: this.pid, cpuMs: used.cpuMs, roomIds: [], udpPorts: ports }] };
  }
}

class LaunchedJanus extends InstanceCluster<JanusInstance> {
  private readonly heartbeats: NodeJS.Timeout;
  readonly workersPerNode = 0;

  constructor(
    private readonly janus: string,
    directory: Directory,
    private readonly loopback: JanusLoopback,
    private readonly dir: string,
    nodeIds: string[],
    processes: ProcessLedger,
    private readonly tcpApiPort: number | undefined,
  ) {
    super(directory, nodeIds, processes, (nodeId) => `Janus ${nodeId}`);
    this.heartbeats = setInterval(() => void this.heartbeat(), heartbeatMs);
  }

  /** Live instances that answer heartbeat to the directory; a paused one does not answer and loses its rooms. */
  private async heartbeat(): Promise<void> {
    await Promise.all(
      [...this.current.values()].map(async (instance) => {
        if (instance.running && !this.isPaused(instance.id) && (await info(instance.url, heartbeatMs))) this.directory.heartbeat(instance.id, instance.url);
      }),
    );
  }

  async startInstance(nodeId: string): Promise<JanusInstance> {
    const index = this.nodeIds.indexOf(nodeId);
    const dir = join(this.dir, nodeId);
    const socket = join(this.dir, `${nodeId}.sock`);
    rmSync(socket, { force: true });
    const api = this.tcpApiPort === undefined ? { socket } : { port: this.tcpApiPort + index };
    const rtpPorts = { from: firstRtpPort + index * portsPerInstance, to: firstRtpPort + (index + 1) * portsPerInstance - 1 };
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      writeJanusConfig({ dir, api, link: this.loopback.link, rtpPorts });
    }
    // Janus cannot watch its parent: the kernel ends it when the run does, even by SIGKILL.
    const command = diesWithParent(this.janus, ['-F', dir, '-o']);
    const child = spawn(command.command, command.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) this.processes.started(child.pid, `Janus ${nodeId}`);
    const instance = new JanusInstance(nodeId, child, api, rtpPorts, () => this.directory.roomsOf(nodeId).length);
    return this.adoptWhenReady(nodeId, instance, async () => {
      this.software = `Janus ${await instance.ready()}`;
    });
  }

  /** Janus forwards media itself: its own process is all there is to stop. */
  protected async pausePids(instance: JanusInstance): Promise<number[]> {
    return [instance.pid];
  }

  protected override async release(): Promise<void> {
    clearInterval(this.heartbeats);
    await super.release();
    await this.loopback.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts every instance; on failure stops what started and throws (the run then exits 2 with the reason). */
export async function startLaunchedJanus(options: LaunchedJanusOptions): Promise<Target> {
  const janus = findJanus();
  if (!janus) throw new Error(`Janus is not installed: ${janusInstallHint}`);
  const loopback = await addJanusLoopback(options.runTag);
  const dir = mkdtempSync(join(tmpdir(), `rtcstorm-janus-${options.runTag}-`));
  recordFolder(loopback.recordTag, dir);
  const directory = await Directory.start();
  const nodeIds = [...Array(options.instances).keys()].map((i) => `node-${i}`);
  const target = new LaunchedJanus(janus, directory, loopback, dir, nodeIds, options.processes, options.tcpApiPort);
  return target.startAll();
}
