import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { cacheRoot, packageRoot } from '../core/paths.js';

export { cacheRoot } from '../core/paths.js';

/** Folder with everything that shapes the worker build: shims, the source fix, the build script. */
export const workerBuildDir = join(packageRoot, 'target-server', 'worker-build');

const require = createRequire(import.meta.url);

/** mediasoup's own folder (its exports hide package.json, so walk up from its entry point). */
export function mediasoupPackageDir(): string {
  let dir = dirname(require.resolve('mediasoup'));
  while (!existsSync(join(dir, 'worker', 'meson.build'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('rtcstorm: mediasoup is installed without its worker sources');
    dir = parent;
  }
  return dir;
}

export function mediasoupVersion(): string {
  return (JSON.parse(readFileSync(join(mediasoupPackageDir(), 'package.json'), 'utf8')) as { version: string }).version;
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesBelow(path) : [path];
    });
}

/** The cache key: mediasoup version plus a hash of every file that changes how the worker is built. */
export function workerBuildKey(): string {
  const hash = createHash('sha256');
  for (const file of filesBelow(workerBuildDir)) {
    hash.update(relative(workerBuildDir, file));
    hash.update(readFileSync(file));
  }
  return `${mediasoupVersion()}-${hash.digest('hex').slice(0, 16)}`;
}


/** Where the worker binary for this checkout lives (built once per machine, shared by clones). */
export function workerBinaryPath(): string {
  return process.env.MEDIASOUP_WORKER_BIN ?? join(cacheRoot(), 'mediasoup-worker', workerBuildKey(), 'mediasoup-worker');
}
