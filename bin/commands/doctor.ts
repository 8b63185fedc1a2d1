import { exitCodes } from '../../core/run/exit-codes.js';
import { runChecks, type CheckResult } from '../../core/doctor/checks.js';

const mark: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export async function doctorCommand(): Promise<number> {
  const results = await runChecks();
  for (const r of results) {
    process.stdout.write(`${mark[r.status]}  ${r.name.padEnd(18)} ${r.detail}${r.fix && r.status !== 'ok' ? `\n      fix: ${r.fix}` : ''}\n`);
  }
  return results.some((r) => r.status === 'fail') ? exitCodes.badInput : exitCodes.ok;
}
