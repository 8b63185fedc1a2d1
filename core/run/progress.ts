/** The live progress line: rewritten in place on a terminal, one line per second otherwise (CI logs). */
import { ms } from '../../reports/format.js';
import type { ProgressSnapshot, RunObserver } from '../../ports/run-observer.js';

export function progressLine(p: ProgressSnapshot): string {
  const loss = p.lossRatio === null ? '–' : `${(p.lossRatio * 100).toFixed(2)}%`;
  const step = p.capacityStep ? ` step ${p.capacityStep.index + 1}/${p.capacityStep.steps} (${p.capacityStep.bots} bots)` : '';
  return `[${String(p.elapsedS).padStart(4)}s/${p.durationS}s]${step} bots ${p.connected}/${p.planned} connected, ${p.failed} failed | ${p.packetsPerSecond} pkt/s received | e2e p99 ${ms(p.latencyP99Ms)} | loss ${loss}${p.machinePercent === null ? '' : ` | machine ${Math.round(p.machinePercent)}%`}`;
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
