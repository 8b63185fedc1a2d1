import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../../core/paths.js';

/** What a launched Janus could leave on the machine: veth pairs, install records, socket folders. */
export function janusLeftovers(): string[] {
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').filter((l) => /: rtcj[0-9a-f]{6}/.test(l));
  const records = (() => {
    try {
      return readdirSync(join(cacheRoot(), 'network')).filter((f) => f.startsWith('janus-'));
    } catch {
      return [];
    }
  })();
  return [...links, ...records];
}
