/** What `network.backend: kernel` needs here (ip, nft, tc, root), and what its killed runs left behind. */
import { spawnSync } from 'node:child_process';
import { leftoverRecords } from '../../../core/host/install-record.js';
import type { CheckResult } from '../../../ports/doctor-check.js';

export function kernelBackendCheck(): CheckResult {
  const missing = (['ip', 'nft', 'tc'] as const).filter((tool) => spawnSync(tool, [tool === 'nft' ? '--version' : '-V'], { timeout: 5000 }).status !== 0);
  const fix = 'only network.backend: kernel needs these; network.backend: userspace needs nothing';
  if (missing.length > 0) return { name: 'kernel network', status: 'warn', detail: `missing: ${missing.join(', ')}`, fix: `apt-get install iproute2 nftables (${fix})` };
  if (process.getuid?.() !== 0) return { name: 'kernel network', status: 'warn', detail: 'ip, nft and tc found, but not root', fix: `run as root (${fix})` };
  return { name: 'kernel network', status: 'ok', detail: 'ip, nft and tc found; root (sch_netem is probed when a profile needs it)' };
}

/** What killed runs of the kernel network backend left behind (their install records). */
export function networkLeftoversCheck(): CheckResult {
  const left = leftoverRecords();
  if (left.size === 0) return { name: 'network leftovers', status: 'ok', detail: 'none (kernel network backend)' };
  const items = [...left.values()].reduce((n, r) => n + r.namespaces.length + r.nftTables.length, 0);
  return { name: 'network leftovers', status: 'warn', detail: `${items} namespace(s) and nftables table(s) recorded by ${left.size} killed run(s)`, fix: 'rtcstorm doctor --cleanup (as root)' };
}
