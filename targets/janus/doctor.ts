/** What a launched Janus target needs here: Debian's janus. */
import { spawnSync } from 'node:child_process';
import type { CheckResult } from '../../ports/doctor-check.js';
import { findJanus, janusInstallHint } from './launched-janus.js';

export function janusCheck(): CheckResult {
  const path = findJanus();
  if (!path) return { name: 'janus', status: 'warn', detail: 'not found (needed only by target.janus with instances)', fix: janusInstallHint };
  const version = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 5000 }).stdout.match(/\(([\d.]+)\)/)?.[1];
  return { name: 'janus', status: 'ok', detail: `${path}${version ? `: Janus ${version}` : ''}` };
}
