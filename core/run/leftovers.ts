/**
 * What runs killed with `kill -9` left on this machine: processes (running, or paused by a
 * pause-node step) and the kernel network backend's namespaces and nftables tables. Every run
 * sweeps them before it starts, and `rtcstorm doctor --cleanup` does on demand.
 */
import { leftoverRecords, sweepLeftovers } from '../host/install-record.js';
import { sweepDeadRuns } from './process-ledger.js';

export interface Sweep { removed: string[]; remaining: string[] }

export async function sweepKilledRuns(): Promise<Sweep> {
  const removed = sweepDeadRuns().map((what) => `ended ${what}`);
  // Removing namespaces and nftables tables needs root; without it they are left for doctor to report.
  if (leftoverRecords().size === 0 || process.getuid?.() !== 0) return { removed, remaining: [] };
  const network = await sweepLeftovers();
  return { removed: [...removed, ...network.removed], remaining: network.remaining };
}
