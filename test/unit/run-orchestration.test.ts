/**
 * The run's orchestration (runScenario: target, engines, chaos timeline, teardown stack, abort) over
 * a fake target and fake engines that log what they are asked, in order. What a real target and real
 * bots do is the end-to-end tests' job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { runScenario, type RunParts } from '../../core/run/run.js';
import { parseScenario } from '../../core/scenario/index.js';
import type { Engine } from '../../ports/engine.js';
import type { Target } from '../../ports/target-control.js';

function scenario(duration: string, chaos = ''): ReturnType<typeof parseScenario> {
  return parseScenario(
    `
name: orchestration
duration: ${duration}
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 2 }
fleet:
  - { engine: werift, count: 2 }
${chaos}`,
    'orchestration.yaml',
  );
}

/** Everything the fakes are asked, with the time since the run's start when it matters. */
class Log {
  readonly lines: string[] = [];
  readonly at = new Map<string, number>();
  add(line: string): void {
    this.lines.push(line);
    this.at.set(line, Date.now());
  }
}

function fakeTarget(log: Log): Target {
  const act = (what: string) => async (node: string): Promise<string> => {
    log.add(`${what} ${node}`);
    return `${what} ${node} done`;
  };
  return {
    signallingUrl: 'ws://127.0.0.1:1',
    urls: ['ws://127.0.0.1:1'],
    nodes: [],
    nodeIds: ['node-0'],
    workersPerNode: 1,
    roomsByNode: () => new Map(),
    killNode: act('kill'),
    pauseNode: act('pause'),
    resumeNode: act('resume'),
    restartNode: act('restart'),
    killWorker: async () => 'no workers here',
    onIncident: () => undefined,
    stop: async () => log.add('stop target'),
  };
}

function fakeEngine(log: Log, name: string, behaviour: { startFails?: string; crashes?: string[] } = {}): Engine {
  return {
    name,
    start: async () => {
      log.add(`start ${name}`);
      if (behaviour.startFails) throw new Error(behaviour.startFails);
    },
    stop: async () => log.add(`stop ${name}`),
    progress: () => ({ connected: 0, joined: 0, failed: 0 }),
    crashes: () => behaviour.crashes ?? [],
  };
}

function parts(log: Log, engines: Engine[], startTarget?: () => Promise<void>): RunParts {
  return {
    engineBootMs: 0,
    createEngines: () => ({ engines, skipped: [] }),
    startTarget: async () => {
      log.add('start target');
      await startTarget?.();
      return { target: fakeTarget(log) };
    },
  };
}

const outDir = (): string => mkdtempSync(join(tmpdir(), 'rtcstorm-orchestration-'));

describe('run orchestration over fakes', () => {
  it('starts target then engines, runs a chaos step at its time, and undoes all in reverse', async () => {
    const log = new Log();
    const began = Date.now();
    const result = await runScenario(scenario('2s', 'chaos:\n  - { at: 1s, action: kill-node, target: node-0 }'), { outDir: outDir(), signal: new AbortController().signal }, parts(log, [fakeEngine(log, 'a'), fakeEngine(log, 'b')]));
    assert.deepEqual(log.lines, ['start target', 'start a', 'start b', 'kill node-0', 'stop b', 'stop a', 'stop target']);
    const killAt = log.at.get('kill node-0')! - began;
    assert.ok(killAt >= 950 && killAt < 1600, `kill at ${killAt} ms`);
    assert.deepEqual(result.report.events.filter((e) => e.kind === 'chaos').map((e) => [e.action, e.target, e.ok, e.detail]), [['kill-node', 'node-0', true, 'kill node-0 done, serving 0 room(s)']]);
    // Fake engines deliver nothing: the run is complete, and invalid for want of load, never green.
    assert.equal(result.report.complete, true);
    assert.equal(result.verdict.exitCode, 2);
    assert.match(result.verdict.text, /^INVALID: no load/);
  });

  it('an engine that fails to start ends the run at once with its message; what started is undone', async () => {
    const log = new Log();
    const began = Date.now();
    const result = await runScenario(scenario('30s'), { outDir: outDir(), signal: new AbortController().signal }, parts(log, [fakeEngine(log, 'a'), fakeEngine(log, 'b', { startFails: 'Chromium not found' }), fakeEngine(log, 'c')]));
    assert.ok(Date.now() - began < 3000, 'did not wait out the scenario');
    assert.deepEqual(log.lines, ['start target', 'start a', 'start b', 'stop b', 'stop a', 'stop target']);
    assert.equal(result.report.complete, false);
    assert.equal(result.report.abortReason, 'Chromium not found');
    assert.equal(result.verdict.exitCode, 2);
  });

  it('Ctrl-C during the run: everything is stopped at once, the report is marked incomplete and says when', async () => {
    const log = new Log();
    const controller = new AbortController();
    const began = Date.now();
    setTimeout(() => controller.abort('SIGINT'), 400);
    const result = await runScenario(scenario('30s'), { outDir: outDir(), signal: controller.signal }, parts(log, [fakeEngine(log, 'a')]));
    assert.ok(Date.now() - began < 3000, `took ${Date.now() - began} ms`);
    assert.deepEqual(log.lines, ['start target', 'start a', 'stop a', 'stop target']);
    assert.match(result.report.abortReason ?? '', /^interrupted \(SIGINT\) after 0\.\d s$/);
    assert.equal(result.verdict.exitCode, 2);
  });

  it('Ctrl-C while the target starts: no engine starts, and the target is stopped', async () => {
    const log = new Log();
    const controller = new AbortController();
    const result = await runScenario(scenario('30s'), { outDir: outDir(), signal: controller.signal }, parts(log, [fakeEngine(log, 'a')], async () => {
      controller.abort('SIGTERM');
      await sleep(50);
    }));
    assert.deepEqual(log.lines, ['start target', 'stop target']);
    assert.equal(result.report.abortReason, 'interrupted before the fleet started');
  });

  it('a crashed engine process marks the run aborted, naming what it said', async () => {
    const log = new Log();
    const result = await runScenario(scenario('1s'), { outDir: outDir(), signal: new AbortController().signal }, parts(log, [fakeEngine(log, 'a', { crashes: ['fleet-0 exited with code 70: out of memory'] })]));
    assert.equal(result.report.abortReason, 'engine process crashed: fleet-0 exited with code 70: out of memory');
    assert.equal(result.verdict.exitCode, 2);
  });
});
