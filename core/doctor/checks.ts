/**
 * What `rtcstorm doctor` checks on this machine, one result per line, each with a fix. Each engine,
 * target and network backend keeps its own checks in its folder; this list is where they are wired.
 */
import { execFileSync } from 'node:child_process';
import { kernelBackendCheck, networkLeftoversCheck } from '../../chaos/network/kernel/doctor.js';
import type { CheckResult } from '../../ports/doctor-check.js';
import { udpPortsCheck, workerCheck } from '../../target-server/doctor.js';
import { janusCheck } from '../../targets/janus/doctor.js';
import { simpleWhipServerCheck } from '../../targets/whip/doctor.js';
import { leftoverProcesses } from '../run/process-ledger.js';
import { enginePlugins } from '../run/engine-plugins.js';

function nodeVersion(): CheckResult {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { name: 'node', status: 'ok', detail: `Node ${process.versions.node}` }
    : { name: 'node', status: 'fail', detail: `Node ${process.versions.node} is too old`, fix: 'install Node 20 or newer' };
}

function fileLimit(): CheckResult {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  // Each bot holds a WebSocket and a few UDP sockets per peer connection.
  const needed = 8192;
  return Number.isNaN(limit) || limit >= needed
    ? { name: 'file descriptors', status: 'ok', detail: `limit ${Number.isNaN(limit) ? 'unlimited' : limit}` }
    : { name: 'file descriptors', status: 'warn', detail: `limit ${limit}: about ${Math.floor(limit / 8)} bots per process`, fix: `ulimit -n ${needed} (or more) before running` };
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

export async function runChecks(): Promise<CheckResult[]> {
  const engines: CheckResult[] = [];
  for (const plugin of enginePlugins) engines.push(await plugin.doctor());
  return [nodeVersion(), await workerCheck(), ...engines, janusCheck(), simpleWhipServerCheck(), kernelBackendCheck(), await udpPortsCheck(), fileLimit(), networkLeftoversCheck(), processLeftovers()];
}
