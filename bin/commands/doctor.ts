import { exitCodes } from '../../reports/exit-codes.js';
import { runChecks } from '../../core/doctor/checks.js';
import type { CheckResult } from '../../ports/doctor-check.js';
import { leftoverRecords } from '../../core/host/install-record.js';
import { sweepKilledRuns } from '../../core/run/leftovers.js';

const mark: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

/** `doctor --cleanup`: ends processes and removes network namespaces, veth pairs and nftables tables that killed runs left. */
async function cleanup(): Promise<number> {
  const network = leftoverRecords();
  if (network.size > 0 && process.getuid?.() !== 0) {
    process.stderr.write(`rtcstorm doctor --cleanup: ${network.size} killed run(s) left network namespaces or nftables tables (runs ${[...network.keys()].join(', ')}); removing them needs root\n`);
    return exitCodes.badInput;
  }
  const { removed, remaining } = await sweepKilledRuns();
  if (removed.length === 0 && remaining.length === 0) {
    process.stdout.write('nothing to clean up: no process, network namespace, veth pair or nftables table left by a killed run\n');
    return exitCodes.ok;
  }
  for (const what of removed) process.stdout.write(`removed  ${what}\n`);
  for (const what of remaining) process.stdout.write(`FAIL     still there: ${what}\n`);
  return remaining.length > 0 ? exitCodes.badInput : exitCodes.ok;
}

export async function doctorCommand(options: { cleanup?: boolean } = {}): Promise<number> {
  if (options.cleanup) return cleanup();
  const results = await runChecks();
  for (const r of results) {
    process.stdout.write(`${mark[r.status]}  ${r.name.padEnd(18)} ${r.detail}${r.fix && r.status !== 'ok' ? `\n      fix: ${r.fix}` : ''}\n`);
  }
  return results.some((r) => r.status === 'fail') ? exitCodes.badInput : exitCodes.ok;
}
