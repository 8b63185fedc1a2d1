/** What k6 groups need here: a k6 binary (k6 is not in Debian; K6_BIN or the PATH). */
import { execFileSync } from 'node:child_process';
import { findExecutable } from '../../core/processes.js';
import type { CheckResult } from '../../ports/doctor-check.js';

export function findK6(): string | undefined {
  return findExecutable(['k6'], 'K6_BIN');
}

export const k6InstallHint = 'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or set K6_BIN to its path';

export function k6Check(): CheckResult {
  const path = findK6();
  if (!path) return { name: 'k6', status: 'warn', detail: 'not found (needed only by k6 fleet groups)', fix: k6InstallHint };
  const version = execFileSync(path, ['version'], { encoding: 'utf8' }).trim();
  return { name: 'k6', status: 'ok', detail: `${path}: ${version}` };
}
