/** What a launched WHIP/WHEP target needs here besides Janus: Debian's simple-whip-server, unpacked by setup. */
import type { CheckResult } from '../../ports/doctor-check.js';
import { findSimpleWhipServer, simpleWhipServerVersion, whipInstallHint } from './launched-whip.js';

export function simpleWhipServerCheck(): CheckResult {
  const dir = findSimpleWhipServer();
  if (!dir) return { name: 'simple-whip-server', status: 'warn', detail: 'not unpacked (needed only by target.whip with launch)', fix: whipInstallHint };
  return { name: 'simple-whip-server', status: 'ok', detail: `${simpleWhipServerVersion} in ${dir}` };
}
