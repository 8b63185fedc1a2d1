/** The werift rtcstorm is written for, and the one installed (its internals, its patch and `rtcstorm doctor` check it). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CheckResult } from '../../ports/doctor-check.js';

/** The werift these internals were written for (and patches/werift+0.24.4.patch applies to). */
export const weriftVersion = '0.24.4';

// werift's main entry is lib/webrtc/src/index.js; its exports map does not give package.json.
export function installedWeriftVersion(): string {
  return (JSON.parse(readFileSync(join(dirname(createRequire(import.meta.url).resolve('werift')), '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function weriftCheck(): CheckResult {
  const installed = installedWeriftVersion();
  return installed === weriftVersion
    ? { name: 'werift', status: 'ok', detail: `werift ${installed}, the version its patch and fast media path are for` }
    : { name: 'werift', status: 'fail', detail: `werift ${installed} is installed; rtcstorm is written for ${weriftVersion}`, fix: 'npm ci (package-lock.json pins it)' };
}
