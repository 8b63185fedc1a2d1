/** What `rtcstorm doctor` checks on this machine, one result per line, each with a fix. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { leftoverRecords } from '../host/install-record.js';
import { chromiumCheck } from '../../bots/browser/doctor.js';
import { k6Check } from '../../bots/k6/doctor.js';
import type { CheckResult } from '../../ports/doctor-check.js';
import { findJanus, janusInstallHint } from '../../targets/janus/launched-janus.js';
import { findSimpleWhipServer, simpleWhipServerVersion, whipInstallHint } from '../../targets/whip/launched-whip.js';
import { leftoverProcesses } from '../run/process-ledger.js';
import { loadMediasoup } from '../../target-server/mediasoup.js';
import { workerBinaryPath } from '../../target-server/worker-binary.js';



function nodeVersion(): CheckResult {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { name: 'node', status: 'ok', detail: `Node ${process.versions.node}` }
    : { name: 'node', status: 'fail', detail: `Node ${process.versions.node} is too old`, fix: 'install Node 20 or newer' };
}

async function worker(): Promise<CheckResult> {
  const path = workerBinaryPath();
  const fix = 'run: npm run setup   (builds the mediasoup worker once per machine, ~6 min)';
  if (!existsSync(path)) return { name: 'mediasoup worker', status: 'fail', detail: `not built: ${path}`, fix };
  try {
    const mediasoup = await loadMediasoup();
    const w = await mediasoup.createWorker({ logLevel: 'error' });
    const version = mediasoup.version;
    w.close();
    return { name: 'mediasoup worker', status: 'ok', detail: `mediasoup ${version} worker runs: ${path}` };
  } catch (error) {
    return { name: 'mediasoup worker', status: 'fail', detail: `${path} does not start: ${(error as Error).message}`, fix };
  }
}

/** Chromium for browser fleet groups: CHROMIUM_PATH, else the first of the usual names on the PATH. */

/** k6 for k6 fleet groups: K6_BIN, else k6 on the PATH. */

/** Binds a sample of mediasoup's default RTC port range (10000–59999) on loopback. */
async function udpPorts(): Promise<CheckResult> {
  const sample = [10000, 20000, 30000, 40000, 50000, 59999];
  const busy: number[] = [];
  for (const port of sample) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (!ok) busy.push(port);
  }
  return busy.length === 0
    ? { name: 'udp ports', status: 'ok', detail: `loopback UDP ${sample.join(', ')} free (range 10000–59999)` }
    : { name: 'udp ports', status: 'warn', detail: `busy on loopback: ${busy.join(', ')}`, fix: 'stop whatever holds them (ss -ulpn)' };
}

function fileLimit(): CheckResult {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  // Each bot holds a WebSocket and a few UDP sockets per peer connection.
  const needed = 8192;
  return Number.isNaN(limit) || limit >= needed
    ? { name: 'file descriptors', status: 'ok', detail: `limit ${Number.isNaN(limit) ? 'unlimited' : limit}` }
    : { name: 'file descriptors', status: 'warn', detail: `limit ${limit}: about ${Math.floor(limit / 8)} bots per process`, fix: `ulimit -n ${needed} (or more) before running` };
}

/** What killed runs of the kernel network backend left behind (their install records). */
function networkLeftovers(): CheckResult {
  const left = leftoverRecords();
  if (left.size === 0) return { name: 'network leftovers', status: 'ok', detail: 'none (kernel network backend)' };
  const items = [...left.values()].reduce((n, r) => n + r.namespaces.length + r.nftTables.length, 0);
  return { name: 'network leftovers', status: 'warn', detail: `${items} namespace(s) and nftables table(s) recorded by ${left.size} killed run(s)`, fix: 'rtcstorm doctor --cleanup (as root)' };
}

/** Processes killed runs left running or paused (their ledgers): the next run, or --cleanup, ends them. */
function processLeftovers(): CheckResult {
  const left = leftoverProcesses();
  if (left.length === 0) return { name: 'process leftovers', status: 'ok', detail: 'none left by killed runs' };
  const paused = left.filter((p) => p.paused).length;
  const list = left.slice(0, 5).map((p) => `${p.what} (pid ${p.pid}${p.paused ? ', paused' : ''})`).join(', ');
  return {
    name: 'process leftovers',
    status: 'warn',
    detail: `${left.length} process(es) of killed runs still there${paused > 0 ? `, ${paused} paused` : ''}: ${list}${left.length > 5 ? ', …' : ''}`,
    fix: 'rtcstorm doctor --cleanup (the next rtcstorm run ends them too)',
  };
}

function janus(): CheckResult {
  const path = findJanus();
  if (!path) return { name: 'janus', status: 'warn', detail: 'not found (needed only by target.janus with instances)', fix: janusInstallHint };
  const version = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 5000 }).stdout.match(/\(([\d.]+)\)/)?.[1];
  return { name: 'janus', status: 'ok', detail: `${path}${version ? `: Janus ${version}` : ''}` };
}

function simpleWhipServer(): CheckResult {
  const dir = findSimpleWhipServer();
  if (!dir) return { name: 'simple-whip-server', status: 'warn', detail: 'not unpacked (needed only by target.whip with launch)', fix: whipInstallHint };
  return { name: 'simple-whip-server', status: 'ok', detail: `${simpleWhipServerVersion} in ${dir}` };
}

export async function runChecks(): Promise<CheckResult[]> {
  return [nodeVersion(), await worker(), chromiumCheck(), k6Check(), janus(), simpleWhipServer(), await udpPorts(), fileLimit(), networkLeftovers(), processLeftovers()];
}
