/**
 * Bundles the participant page (bots/browser/page/main.ts) into one
 * script for the page server. Run by `npm run build` after tsc; the page's types are checked by
 * tsconfig.browser-page.json, esbuild only bundles.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { pageBundlePath } from './page-server.js';

await build({
  entryPoints: [join(packageRoot, 'bots/browser/page/main.ts')],
  outfile: pageBundlePath,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'chrome120',
  logLevel: 'warning',
});
