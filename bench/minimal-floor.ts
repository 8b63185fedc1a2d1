/**
 * The floor under any loader here: the minimal Node loop and the C loop of bench/floor/ (copied from
 * the team's udp-floor tools: ../shared/notes/udp-floor.md). S sockets on loopback each send a
 * 100-byte datagram every 20 ms to a batching forwarder that fans it out to the room of 4; the loader's
 * own CPU (user + system, from its SIGUSR2 snapshots) over datagrams sent + received. Each run is
 * bounded by the programs themselves (15 s at most).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../core/paths.js';

/** cSlots: the C loop with SRTP, each socket sending in its own 1 ms slot of the 20 ms, as the bots' send scheduler spreads them. */
export type FloorLoader = 'node' | 'c' | 'cSrtp' | 'cSlots';

export interface FloorRun {
  loader: FloorLoader;
  bots: number;
  seconds: number;
  sent: number;
  received: number;
  lossRatio: number;
  packetUs: number;
}

const sources = join(packageRoot, 'bench', 'floor');
const warmMs = 2500;

/** Builds the C programs once per bench into `dir`. */
export function buildFloorPrograms(dir: string): void {
  for (const [out, src, libs] of [['fwd', 'fwd.c', []], ['loader', 'loader.c', ['-lcrypto']]] as const) {
    execFileSync('gcc', ['-O2', '-Wall', '-o', join(dir, out), join(sources, src), ...libs], { stdio: 'inherit' });
  }
}

/** Snapshot lines: `LDR t sent rcvd user_us sys_us ...`. */
function snapshots(child: ChildProcess): string[][] {
  const lines: string[][] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) if (line.startsWith('LDR')) lines.push(line.split(/\s+/));
  });
  return lines;
}

export async function measureFloor(dir: string, loader: FloorLoader, bots: number, seconds: number): Promise<FloorRun> {
  const limitS = Math.min(15, Math.ceil((warmMs + 500) / 1000 + seconds + 1));
  const forwarder = spawn(join(dir, 'fwd'), ['-n', String(bots), '-t', String(limitS + 1)], { stdio: ['ignore', 'ignore', 'inherit'] });
  await sleep(300);
  const command =
    loader === 'node'
      ? [process.execPath, join(sources, 'loader.cjs'), String(bots), '21000', '20000', String(limitS)]
      : [join(dir, 'loader'), '-m', 'a', ...(loader === 'c' ? [] : ['-F']), ...(loader === 'cSlots' ? ['-k', '20'] : []), '-n', String(bots), '-t', String(limitS)];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = snapshots(child);
  try {
    await sleep(warmMs);
    child.kill('SIGUSR2');
    await sleep(seconds * 1000);
    child.kill('SIGUSR2');
    await sleep(300);
  } finally {
    child.kill('SIGTERM');
    forwarder.kill('SIGTERM');
  }
  if (lines.length < 2) throw new Error(`bench: the ${loader} floor loop at ${bots} sockets printed no snapshots`);
  const [a, b] = [lines[0]!.map(Number), lines[1]!.map(Number)];
  const sent = b[2]! - a[2]!;
  const received = b[3]! - a[3]!;
  const cpuUs = b[4]! + b[5]! - a[4]! - a[5]!;
  return { loader, bots, seconds: b[1]! - a[1]!, sent, received, lossRatio: 1 - received / Math.max(1, 3 * sent), packetUs: cpuUs / Math.max(1, sent + received) };
}

/** Every loader at every size, in one pass (side by side on a noisy machine). */
export async function measureFloors(sizes: number[], seconds: number, progress: (line: string) => void): Promise<FloorRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcstorm-floor-'));
  try {
    buildFloorPrograms(dir);
    const runs: FloorRun[] = [];
    for (const bots of sizes) {
      for (const loader of ['node', 'c', 'cSrtp', 'cSlots'] as const) {
        const run = await measureFloor(dir, loader, bots, seconds);
        progress(`floor: ${loader} loop, ${bots} sockets: ${run.packetUs.toFixed(2)} µs per datagram, loss ${(100 * run.lossRatio).toFixed(2)}%`);
        runs.push(run);
      }
    }
    return runs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
