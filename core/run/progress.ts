/** The live progress line: rewritten in place on a terminal, one line per second otherwise (CI logs). */
import { ms } from '../../reports/format.js';
import type { RunObserver } from './observer.js';

export interface ProgressSnapshot {
  elapsedS: number;
  durationS: number;
  connected: number;
  planned: number;
  failed: number;
  packetsPerSecond: number;
  latencyP99Ms: number | null;
  lossRatio: number | null;
  /** With the bundled target: fleet, browsers and target together, in percent of the machine's cores (harness validity's machine check). */
  machinePercent: number | null;
}

export function progressLine(p: ProgressSnapshot): string {
  const loss = p.lossRatio === null ? '–' : `${(p.lossRatio * 100).toFixed(2)}%`;
  return `[${String(p.elapsedS).padStart(4)}s/${p.durationS}s] bots ${p.connected}/${p.planned} connected, ${p.failed} failed | ${p.packetsPerSecond} pkt/s received | e2e p99 ${ms(p.latencyP99Ms)} | loss ${loss}${p.machinePercent === null ? '' : ` | machine ${Math.round(p.machinePercent)}%`}`;
}

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): RunObserver {
  const tty = stream.isTTY === true;
  let printed = false;
  return {
    onProgress(p) {
      stream.write(tty ? `\r\x1b[K${progressLine(p)}` : `${progressLine(p)}\n`);
      printed = true;
    },
    close() {
      if (tty && printed) stream.write('\n');
    },
  };
}
