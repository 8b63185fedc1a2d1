/**
 * A launched WHIP/WHEP target: a Janus that rtcstorm starts (targets/janus/launched-janus.ts, its API
 * on loopback TCP) with two servers nobody here wrote in front of it: Meetecho's simple-whip-server
 * (Debian's package, unpacked by `npm run setup`) for WHIP and janus-whep-server (npm) for WHEP,
 * hosted by whep-host.ts. rtcstorm makes what those servers need before the load starts: the
 * VideoRoom rooms, and a WHIP endpoint for every publisher of the plan (`<room>-<peer>`); the WHEP
 * host adds an endpoint of the same name for each feed that appears. The chaos timeline's node-0 is
 * the Janus: both servers dial it again when it comes back (simple-whip-server every 2 s,
 * janus-whep-server every 3 s, the WHEP host at its next poll), and a restart makes its rooms again,
 * so publishers POST again and subscribers WHEP again, as after any loss of the target.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheRoot, compiledPath } from '../../core/paths.js';
import { diesWithParent, keepLastLines } from '../../core/processes.js';
import type { ProcessLedger } from '../../ports/process-ledger.js';
import type { Target } from '../../ports/target-control.js';
import { TargetError } from '../../ports/target-adapter.js';
import { JanusConnection } from '../janus/janus-api.js';
import { roomNumber } from '../janus/janus-adapter.js';
import { startLaunchedJanus } from '../janus/launched-janus.js';
import { janusRecordTag } from '../janus/janus-loopback.js';
import { recordFolder } from '../../core/host/install-record.js';
import type { WhepHostConfig } from './whep-host.js';

export const simpleWhipServerVersion = '0.0~git20230201-1';
export const whipInstallHint = 'run npm run setup (it unpacks Debian\'s simple-whip-server into ~/.cache/rtcstorm/simple-whip-server)';

const startTimeoutMs = 15_000;
const stopGraceMs = 2_000;
const pollMs = 200;

/** simple-whip-server's folder (package/ and node_modules/), or undefined when setup has not unpacked it. */
export function findSimpleWhipServer(): string | undefined {
  const dir = join(cacheRoot(), 'simple-whip-server', simpleWhipServerVersion);
  return existsSync(join(dir, '.complete')) ? dir : undefined;
}

export interface LaunchedWhipOptions {
  runTag: string;
  processes: ProcessLedger;
  token: string | undefined;
  /** The plan's rooms: name at the target, and who publishes in it. */
  rooms: Array<{ roomId: string; publishers: string[] }>;
}

export interface LaunchedWhip extends Target {
  /** Endpoint templates for the adapter. */
  readonly publish: string;
  readonly subscribe: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A helper server rtcstorm runs: its last lines kept for errors; ended with the run (and by the kernel if the run dies). */
class HelperProcess {
  private readonly lastLines: () => string;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    processes: ProcessLedger,
  ) {
    if (child.pid !== undefined) processes.started(child.pid, name);
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    this.lastLines = keepLastLines(child);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `url` answers 200; else throws with the process's last lines. */
  async ready(url: string): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline && this.running) {
      const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (ok) return;
      await sleep(100);
    }
    if (!this.running) await this.exited;
    throw new Error(`${this.name} did not come up (${this.running ? `no answer on ${url} within ${startTimeoutMs / 1000} s` : `exited: ${this.child.exitCode ?? this.child.signalCode}`}); its last lines:\n${this.lastLines()}`);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), stopGraceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function startSimpleWhipServer(home: string, dir: string, janus: string, port: number, processes: ProcessLedger): HelperProcess {
  // server.js reads ./config.js beside itself: links to its files and a config of the run's own, run with symlinks kept.
  const src = join(dir, 'src');
  mkdirSync(src, { recursive: true });
  for (const file of ['server.js', 'whip-janus.js']) symlinkSync(join(home, 'package/usr/share/simple-whip-server/src', file), join(src, file));
  writeFileSync(join(src, 'config.js'), `module.exports = ${JSON.stringify({ janus: { address: janus }, port, rest: '/whip', allowTrickle: true, strictETags: false, iceServers: [] }, null, 2)};\n`);
  const command = diesWithParent(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', join(src, 'server.js')]);
  const child = spawn(command.command, command.args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_PATH: join(home, 'node_modules'), DEBUG: 'whip:err,whip:warn', DEBUG_COLORS: 'no' } });
  return new HelperProcess('simple-whip-server', child, processes);
}

function startWhepHost(dir: string, config: WhepHostConfig, processes: ProcessLedger): HelperProcess {
  const file = join(dir, 'whep-host.json');
  writeFileSync(file, JSON.stringify(config));
  const command = diesWithParent(process.execPath, [compiledPath('targets/whip/whep-host.ts'), file]);
  // Its stdin is a pipe from the run: closed when the run ends, however it ends.
  const child = spawn(command.command, command.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  return new HelperProcess('janus-whep-server', child, processes);
}

/** The run's rooms in Janus, before anyone joins (WHIP has no room to create). */
async function createRooms(janusUrl: string, rooms: LaunchedWhipOptions['rooms']): Promise<void> {
  const janus = await JanusConnection.open(janusUrl, 5000);
  try {
    const handle = await janus.attach('janus.plugin.videoroom');
    for (const room of rooms) {
      await janus.message(handle, { request: 'create', room: roomNumber(room.roomId), description: room.roomId, publishers: Math.max(room.publishers.length, 1), audiocodec: 'opus', videocodec: 'vp8', notify_joining: false });
    }
  } finally {
    janus.close();
  }
}

async function createWhipEndpoints(base: string, options: LaunchedWhipOptions): Promise<void> {
  for (const room of options.rooms) {
    for (const peer of room.publishers) {
      const id = `${room.roomId}-${peer}`;
      // label: simple-whip-server names the Janus session and the feed's display by it; unique per endpoint.
      const response = await fetch(`${base}/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, room: roomNumber(room.roomId), label: id, ...(options.token ? { token: options.token } : {}) }) });
      if (!response.ok) throw new TargetError(response.status, `simple-whip-server refused endpoint ${id}: ${await response.text()}`);
    }
  }
}

/** Starts Janus and both servers and makes the endpoints; on failure stops what started and throws (the run then exits 2). */
export async function startLaunchedWhip(options: LaunchedWhipOptions): Promise<LaunchedWhip> {
  const home = findSimpleWhipServer();
  if (!home) throw new Error(`simple-whip-server is not unpacked: ${whipInstallHint}`);
  const [apiPort, whipPort, whepPort] = [await freePort(), await freePort(), await freePort()];
  const janus = await startLaunchedJanus({ instances: 1, runTag: options.runTag, processes: options.processes, tcpApiPort: apiPort });
  const dir = mkdtempSync(join(tmpdir(), `rtcstorm-whip-${options.runTag}-`));
  recordFolder(janusRecordTag(options.runTag), dir);
  const helpers: HelperProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(helpers.map((helper) => helper.stop()));
    await janus.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  // The API's port is the instance's own: the same URL after a restart.
  const janusUrl = janus.urls[0]!;
  try {
    await createRooms(janusUrl, options.rooms);
    const whip = startSimpleWhipServer(home, join(dir, 'whip'), janusUrl, whipPort, options.processes);
    helpers.push(whip);
    const whep = startWhepHost(dir, { janus: janusUrl, port: whepPort, basePath: '/whep', token: options.token, rooms: options.rooms.map((room) => roomNumber(room.roomId)), pollMs }, options.processes);
    helpers.push(whep);
    await Promise.all([whip.ready(`http://127.0.0.1:${whipPort}/whip/healthcheck`), whep.ready(`http://127.0.0.1:${whepPort}/whep/healthcheck`)]);
    await createWhipEndpoints(`http://127.0.0.1:${whipPort}/whip`, options);
  } catch (error) {
    await stop();
    throw error;
  }
  const publish = `http://127.0.0.1:${whipPort}/whip/endpoint/{room}-{peer}`;
  const subscribe = `http://127.0.0.1:${whepPort}/whep/endpoint/{room}-{peer}`;
  return {
    publish,
    subscribe,
    signallingUrl: publish,
    urls: [...janus.urls, `http://127.0.0.1:${whipPort}/whip`, `http://127.0.0.1:${whepPort}/whep`],
    get nodes() {
      return janus.nodes;
    },
    nodeIds: janus.nodeIds,
    workersPerNode: 0,
    software: `${janus.software ?? 'Janus'}, simple-whip-server ${simpleWhipServerVersion}, janus-whep-server 1.1.0`,
    roomsByNode: () => janus.roomsByNode(),
    killNode: (id) => janus.killNode(id),
    pauseNode: (id) => janus.pauseNode(id),
    resumeNode: (id) => janus.resumeNode(id),
    // A restarted Janus has none of the rooms made over its API: they are made again before anyone comes back.
    restartNode: async (id) => {
      const detail = await janus.restartNode(id);
      await createRooms(janusUrl, options.rooms);
      return `${detail}; its ${options.rooms.length} VideoRoom room(s) made again`;
    },
    killWorker: (id, index) => janus.killWorker(id, index),
    onIncident: (listener) => janus.onIncident(listener),
    stop,
  };
}
