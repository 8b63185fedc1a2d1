/**
 * The run process times its own seconds as it times a fleet process's: a stall of its event loop
 * (here a fake engine blocking it for 3.1 s) leaves the seconds whose timers never ran counted
 * missing, not silently skipped, and the run invalid for it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runScenario, type RunParts } from '../../core/run/run.js';
import { parseScenario } from '../../core/scenario/index.js';
import type { Engine, EngineContext } from '../../ports/engine.js';
import { fakeTarget } from '../helpers/fake-target.js';

const target = fakeTarget();

/** Blocks the run process's event loop from t=1.2 s to t=4.3 s. */
function stallingEngine(): Engine {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'stall',
    start: async (context: EngineContext) => {
      timer = setTimeout(() => {
        while (Date.now() < context.startMs + 4300) {
          // busy: no timer, no I/O of the run process runs meanwhile
        }
      }, context.startMs + 1200 - Date.now());
    },
    stop: async () => clearTimeout(timer),
    progress: () => ({ connected: 0, joined: 0, failed: 0 }),
    crashes: () => [],
  };
}

describe('the run process\'s own health', () => {
  it('a stall of its event loop: the seconds it skipped are missing, and with the lag after them a spell that makes the run invalid', async () => {
    const scenario = parseScenario('name: stall\nduration: 6s\ntarget: { bundled: { nodes: 1, workersPerNode: 1 } }\nrooms: { count: 1, size: 2 }\nfleet:\n  - { engine: werift, count: 2 }\nharness: { sustainedFor: 3s }\n', 'stall.yaml');
    const parts: RunParts = { engineBootMs: 0, createEngines: () => ({ engines: [stallingEngine()], skipped: [] }), startTarget: async () => ({ target }) };
    const result = await runScenario(scenario, { outDir: mkdtempSync(join(tmpdir(), 'rtcstorm-self-health-')), signal: new AbortController().signal }, parts);
    const run = result.report.harness.processes.find((p) => p.id === 'run');
    // Seconds 1 and 2 ended more than a second before the run woke at 4.3 s; second 3 holds the stall as lag.
    assert.equal(run?.secondsMissing, 2, JSON.stringify(run));
    assert.match(result.report.harness.invalidReason ?? '', /run: not keeping up for [34] s from t=1s \(its samples missing in 2 seconds, event-loop lag p99 over 100 ms in 1 second\)/);
  });
});
