import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RunLedger } from '../../core/run/process-ledger.js';

process.env.RTCSTORM_CACHE_DIR = mkdtempSync(join(tmpdir(), 'rtcstorm-ledger-'));
const record = (tag: string): string => join(process.env.RTCSTORM_CACHE_DIR!, 'runs', `${tag}.json`);
const children: ChildProcess[] = [];

function sleeper(): ChildProcess {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

after(() => children.forEach((c) => c.kill('SIGKILL')));

describe('process ledger', () => {
  it('closing keeps the processes still alive (a teardown that failed) for the next run to sweep, and drops the ended', async () => {
    const ledger = new RunLedger('close-test');
    const ended = sleeper();
    const alive = sleeper();
    ledger.started(ended.pid!, 'mediasoup worker');
    ledger.started(alive.pid!, 'fleet-0');
    ended.kill('SIGKILL');
    await once(ended, 'exit');
    ledger.close();
    const kept = JSON.parse(readFileSync(record('close-test'), 'utf8')) as { processes: Array<{ pid: number; what: string }> };
    assert.deepEqual(kept.processes.map((p) => [p.pid, p.what]), [[alive.pid, 'fleet-0']]);
    // Once every process has ended, nothing is left to sweep: the record goes.
    alive.kill('SIGKILL');
    await once(alive, 'exit');
    ledger.close();
    assert.equal(existsSync(record('close-test')), false);
  });
});
