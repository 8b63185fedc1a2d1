/** What the bundled target needs here: a mediasoup worker that starts, and free loopback UDP ports for it. */
import { existsSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import type { CheckResult } from '../ports/doctor-check.js';
import { loadMediasoup } from './mediasoup.js';
import { workerBinaryPath } from './worker-binary.js';

export async function workerCheck(): Promise<CheckResult> {
  const path = workerBinaryPath();
  const fix = 'run: npm run setup   (builds the mediasoup worker once per machine, ~6 min)';
  if (!existsSync(path)) return { name: 'mediasoup worker', status: 'fail', detail: `not built: ${path}`, fix };
  try {
    const mediasoup = await loadMediasoup();
    const w = await mediasoup.createWorker({ logLevel: 'error' });
    const version = mediasoup.version;
    w.close();
    return { name: 'mediasoup worker', status: 'ok', detail: `mediasoup ${version} worker runs: ${path}` };
  } catch (error) {
    return { name: 'mediasoup worker', status: 'fail', detail: `${path} does not start: ${(error as Error).message}`, fix };
  }
}

/** Binds a sample of mediasoup's default RTC port range (10000–59999) on loopback. */
export async function udpPortsCheck(): Promise<CheckResult> {
  const sample = [10000, 20000, 30000, 40000, 50000, 59999];
  const busy: number[] = [];
  for (const port of sample) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (!ok) busy.push(port);
  }
  return busy.length === 0
    ? { name: 'udp ports', status: 'ok', detail: `loopback UDP ${sample.join(', ')} free (range 10000–59999)` }
    : { name: 'udp ports', status: 'warn', detail: `busy on loopback: ${busy.join(', ')}`, fix: 'stop whatever holds them (ss -ulpn)' };
}
