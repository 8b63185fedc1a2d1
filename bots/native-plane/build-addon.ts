/**
 * Builds the native media plane's addon at set-up: one gcc call, offline (Node's headers come with
 * Node, OpenSSL's with libssl-dev). `--asan` builds the AddressSanitizer variant the test job loads.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addonPath, addonSources } from './native-addon.js';

/** Node's C headers: beside the running binary (include/node), as every Node install has them. */
function nodeHeaders(): string {
  const dir = join(dirname(dirname(process.execPath)), 'include', 'node');
  if (!existsSync(join(dir, 'node_api.h'))) throw new Error(`native plane build: no node_api.h under ${dir}`);
  return dir;
}

export function buildAddon(variant: 'release' | 'asan'): string {
  const target = addonPath(variant);
  if (existsSync(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  // No FMA contraction: the accounting must compute exactly what JavaScript's doubles do.
  const flags = [...(variant === 'asan' ? ['-O1', '-g', '-fsanitize=address', '-fno-omit-frame-pointer'] : ['-O2']), '-ffp-contract=off'];
  const partial = `${target}.${process.pid}.tmp`;
  const args = [...flags, '-Wall', '-Wextra', '-Werror', '-Wno-deprecated-declarations', '-shared', '-fPIC', '-pthread', '-DNODE_GYP_MODULE_NAME=rtcstorm_media', `-I${nodeHeaders()}`, '-o', partial, ...addonSources, '-lcrypto', '-lm'];
  console.log(`[native-plane] gcc ${args.join(' ')}`);
  execFileSync('gcc', args, { stdio: 'inherit' });
  renameSync(partial, target);
  return target;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const variants: Array<'release' | 'asan'> = process.argv.includes('--asan') ? ['asan'] : ['release'];
  for (const variant of variants) console.log(`[native-plane] ${variant}: ${buildAddon(variant)}`);
}
