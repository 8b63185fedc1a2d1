import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`rtcstorm: no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The rtcstorm checkout or installed package (works from both the TS sources and dist/). */
export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** Compiled JavaScript for a source path relative to the package root, e.g. 'bots/fleet/process.ts'. */
export function compiledPath(sourceRelative: string): string {
  return join(packageRoot, 'dist', sourceRelative.replace(/\.ts$/, '.js'));
}

/** rtcstorm's per-machine cache (worker binary, records of what runs installed or started): shared by every clone. */
export function cacheRoot(): string {
  return process.env.RTCSTORM_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rtcstorm');
}
