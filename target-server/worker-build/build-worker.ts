/**
 * Builds the mediasoup worker with no internet: Debian's libraries stand in for the subprojects
 * mediasoup would download (see subprojects/), meson and ninja come from the local pip index, and
 * one source fix makes DTLS work with Debian's kTLS-enabled OpenSSL. The binary is cached outside
 * the checkout under a key that includes the mediasoup version and this folder's content.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheRoot, mediasoupPackageDir, workerBinaryPath, workerBuildDir } from '../worker-binary.js';

/**
 * mediasoup 3.19.3's outgoing-BIO callback returns 1 for every after-call notification
 * (BIO_CB_xxx | BIO_CB_RETURN), so OpenSSL's kTLS probe believes kTLS is on and leaves the DTLS
 * write buffer NULL: the worker crashes on the first DTLS record. Test the bit instead.
 */
const dtlsFix = {
  file: 'src/RTC/DtlsTransport.cpp',
  from: '(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1',
  to: '(operationType & BIO_CB_RETURN) ? static_cast<long>(ret) : 1',
};

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  console.log(`[worker-build] ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', ...opts });
}

function applyDtlsFix(workerDir: string): void {
  const path = join(workerDir, dtlsFix.file);
  const source = readFileSync(path, 'utf8');
  if (!source.includes(dtlsFix.from)) {
    throw new Error(`worker-build: the DTLS fix no longer applies to ${dtlsFix.file}; check it against this mediasoup version`);
  }
  writeFileSync(path, source.replace(dtlsFix.from, dtlsFix.to));
}

/** Puts each shim where meson looks for the subproject's unpacked source (the wrap's `directory`). */
function installShims(workerDir: string): void {
  const shimsDir = join(workerBuildDir, 'subprojects');
  for (const name of readdirSync(shimsDir)) {
    const wrap = readFileSync(join(workerDir, 'subprojects', `${name}.wrap`), 'utf8');
    const directory = /^directory\s*=\s*(\S+)/m.exec(wrap)?.[1];
    if (!directory) throw new Error(`worker-build: ${name}.wrap has no directory key`);
    cpSync(join(shimsDir, name), join(workerDir, 'subprojects', directory), { recursive: true });
  }
}

/** meson and ninja from the local pip index (Debian's meson is too old), kept across builds. */
function buildTools(): string {
  const venv = join(cacheRoot(), 'build-tools', 'venv');
  if (!existsSync(join(venv, 'bin', 'meson'))) {
    run('python3', ['-m', 'venv', venv]);
    run(join(venv, 'bin', 'pip'), ['install', '--quiet', 'meson>=1.1', 'ninja']);
  }
  return join(venv, 'bin');
}

export function buildWorker(target: string): void {
  const toolsBin = buildTools();
  const scratch = mkdtempSync(join(tmpdir(), 'rtcstorm-worker-'));
  try {
    const workerDir = join(scratch, 'worker');
    cpSync(join(mediasoupPackageDir(), 'worker'), workerDir, { recursive: true });
    applyDtlsFix(workerDir);
    installShims(workerDir);
    const env = { ...process.env, PATH: `${toolsBin}:${process.env.PATH ?? ''}` };
    run(join(toolsBin, 'meson'), ['setup', '--buildtype', 'release', '-Db_ndebug=true', '-Dms_disable_liburing=true', 'build'], { cwd: workerDir, env });
    // The generated FlatBuffers headers must exist before any C++ that includes them compiles.
    run(join(toolsBin, 'meson'), ['compile', '-C', 'build', 'flatbuffers-generator'], { cwd: workerDir, env });
    run(join(toolsBin, 'meson'), ['compile', '-C', 'build', 'mediasoup-worker'], { cwd: workerDir, env });
    mkdirSync(dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    cpSync(join(workerDir, 'build', 'mediasoup-worker'), partial);
    renameSync(partial, target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const target = workerBinaryPath();
if (existsSync(target)) {
  console.log(`[worker-build] cached worker: ${target}`);
} else {
  const started = Date.now();
  buildWorker(target);
  console.log(`[worker-build] built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
}
