/** What browser groups need here: Chromium (Debian's package, or CHROMIUM_PATH). */
import { findExecutable } from '../../core/processes.js';
import type { CheckResult } from '../../ports/doctor-check.js';

export function findChromium(): string | undefined {
  return findExecutable(['chromium', 'chromium-browser', 'google-chrome'], 'CHROMIUM_PATH');
}

export function chromiumCheck(): CheckResult {
  const path = findChromium();
  return path
    ? { name: 'chromium', status: 'ok', detail: path }
    : { name: 'chromium', status: 'warn', detail: 'not found (needed only by browser fleet groups)', fix: 'apt-get install chromium, or set CHROMIUM_PATH' };
}
