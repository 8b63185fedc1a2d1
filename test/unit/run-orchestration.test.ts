/**
 * The run's orchestration (runScenario: target, engines, chaos timeline, teardown stack, abort) over
 * a fake target and fake engines that log what they are asked, in order, on a manual clock: a step
 * due at t runs at exactly t and no test waits out its scenario. What a real target and real bots do
 * is the end-to-end tests' job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runScenario, type RunParts, type RunResult } from '../../core/run/run.js';
import { parseScenario } from '../../core/scenario/index.js';
import type { Engine } from '../../ports/engine.js';
import type { Target } from '../../ports/target-control.js';
import { fakeTarget as sharedFakeTarget } from '../helpers/fake-target.js';
import { ManualClock } from '../helpers/manual-clock.js';

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

/** Everything the fakes are asked, in order, and when by the manual clock. */
class Log {
  readonly lines: string[] = [];
  readonly at = new Map<string, number>();
  constructor(private readonly clock: ManualClock) {}
  add(line: string): void {
    this.lines.push(line);
    this.at.set(line, this.clock.now());
  }
}

function fakeTarget(log: Log): Target {
  return sharedFakeTarget({ act: (what, node) => log.add(`${what} ${node}`), stop: () => log.add('stop target') });
}

interface Behaviour {
  startFails?: string;
  /** Called during start(), e.g. to abort the run there. */
  onStart?: () => Promise<void> | void;
  onStop?: () => Promise<void> | void;
  stopFails?: string;
  crashes?: string[];
}

function fakeEngine(log: Log, name: string, behaviour: Behaviour = {}): Engine {
  return {
    name,
    start: async () => {
      log.add(`start ${name}`);
      await behaviour.onStart?.();
      if (behaviour.startFails) throw new Error(behaviour.startFails);
    },
    stop: async () => {
      log.add(`stop ${name}`);
      await behaviour.onStop?.();
      if (behaviour.stopFails) throw new Error(behaviour.stopFails);
    },
    progress: () => ({ connected: 0, joined: 0, failed: 0 }),
    crashes: () => behaviour.crashes ?? [],
  };
}

function parts(clock: ManualClock, log: Log, engines: Engine[], startTarget?: () => Promise<void>): RunParts {
  return {
    engineBootMs: 0,
    clock,
    createEngines: () => ({ engines, skipped: [] }),
    startTarget: async () => {
      log.add('start target');
      await startTarget?.();
      return { target: fakeTarget(log) };
    },
  };
}

const outDir = (): string => mkdtempSync(join(tmpdir(), 'rtcstorm-orchestration-'));

/** Runs the scenario on the manual clock; `began` is the clock's time when it started. */
async function run(clock: ManualClock, yaml: ReturnType<typeof scenario>, engines: Engine[], log: Log, options: { signal?: AbortSignal; startTarget?: () => Promise<void> } = {}): Promise<RunResult & { began: number }> {
  const began = clock.now();
  const result = await clock.run(runScenario(yaml, { outDir: outDir(), signal: options.signal ?? new AbortController().signal }, parts(clock, log, engines, options.startTarget)));
  return { ...result, began };
}

function setup(): { clock: ManualClock; log: Log } {
  const clock = new ManualClock();
  return { clock, log: new Log(clock) };
}

describe('run orchestration over fakes', () => {
  it('starts target then engines, runs a chaos step at exactly its time, and undoes all in reverse', async () => {
    const { clock, log } = setup();
    const result = await run(clock, scenario('2s', 'chaos:\n  - { at: 1s, action: kill-node, target: node-0 }'), [fakeEngine(log, 'a'), fakeEngine(log, 'b')], log);
    assert.deepEqual(log.lines, ['start target', 'start a', 'start b', 'kill node-0', 'stop b', 'stop a', 'stop target']);
    assert.equal(log.at.get('kill node-0')! - result.began, 1000);
    assert.equal(log.at.get('stop b')! - result.began, 2000, 'the run ends when the scenario does');
    assert.deepEqual(result.report.events.filter((e) => e.kind === 'chaos').map((e) => [e.atMs, e.action, e.target, e.ok, e.detail]), [[1000, 'kill-node', 'node-0', true, 'kill node-0 done, serving 0 room(s)']]);
    assert.equal(result.report.durationMs, 2000);
    // Fake engines deliver nothing: the run is complete, and invalid for want of load, never green.
    assert.equal(result.report.complete, true);
    assert.equal(result.verdict.exitCode, 2);
    assert.match(result.verdict.text, /^INVALID: no load/);
    assert.equal(clock.pendingTimers, 0, 'teardown cleared every timer the run set');
  });

  it('teardown order: the progress ticker, chaos (a paused node resumed), engines in reverse, samplers, the target last', async () => {
    const { clock, log } = setup();
    // Ctrl-C while the node is paused: the pause is undone by teardown, before any engine stops.
    const controller = new AbortController();
    clock.setTimeout(() => controller.abort('SIGINT'), 1000);
    const result = await run(clock, scenario('3s', 'chaos:\n  - { at: 500ms, action: pause-node, target: node-0, for: 2s }'), [fakeEngine(log, 'a'), fakeEngine(log, 'b'), fakeEngine(log, 'c')], log, { signal: controller.signal });
    assert.deepEqual(log.lines, ['start target', 'start a', 'start b', 'start c', 'pause node-0', 'resume node-0', 'stop c', 'stop b', 'stop a', 'stop target']);
    assert.equal(log.at.get('pause node-0')! - result.began, 500);
    assert.equal(log.at.get('resume node-0')! - result.began, 1000, 'resumed by teardown, not after its 2 s');
    assert.deepEqual(result.report.events.filter((e) => e.kind === 'chaos-end').map((e) => [e.atMs, e.action, e.ok]), [[1000, 'pause-node', true]]);
    assert.equal(result.report.abortReason, 'interrupted (SIGINT) after 1.0 s');
    assert.equal(clock.pendingTimers, 0, 'the progress ticker, the samplers and the end of the pause are all cleared');
  });

  it('an engine that fails to start ends the run at once with its message; what started is undone', async () => {
    const { clock, log } = setup();
    const result = await run(clock, scenario('30s'), [fakeEngine(log, 'a'), fakeEngine(log, 'b', { startFails: 'Chromium not found' }), fakeEngine(log, 'c')], log);
    assert.equal(clock.now(), result.began, 'did not wait out the scenario');
    assert.deepEqual(log.lines, ['start target', 'start a', 'start b', 'stop b', 'stop a', 'stop target']);
    assert.equal(result.report.complete, false);
    assert.equal(result.report.abortReason, 'Chromium not found');
    assert.equal(result.verdict.exitCode, 2);
  });

  it('Ctrl-C while the target starts: no engine starts, and the target is stopped', async () => {
    const { clock, log } = setup();
    const controller = new AbortController();
    const result = await run(clock, scenario('30s'), [fakeEngine(log, 'a')], log, {
      signal: controller.signal,
      startTarget: async () => {
        controller.abort('SIGTERM');
        await clock.sleep(50);
      },
    });
    assert.deepEqual(log.lines, ['start target', 'stop target']);
    assert.equal(result.report.abortReason, 'interrupted before the fleet started');
    assert.equal(result.report.complete, false);
  });

  it('Ctrl-C while the engines start: the run does not wait out the scenario; every engine started is stopped, in reverse, then the target', async () => {
    const { clock, log } = setup();
    const controller = new AbortController();
    const onStart = async (): Promise<void> => {
      controller.abort('SIGINT');
      await clock.sleep(300);
    };
    const result = await run(clock, scenario('30s', 'chaos:\n  - { at: 1s, action: kill-node, target: node-0 }'), [fakeEngine(log, 'a', { onStart }), fakeEngine(log, 'b')], log, { signal: controller.signal });
    const started = log.lines.filter((l) => l.startsWith('start ') && l !== 'start target');
    const stopped = log.lines.filter((l) => l.startsWith('stop ') && l !== 'stop target');
    assert.ok(started.includes('start a'));
    assert.ok(!started.includes('start b'), 'an engine after the Ctrl-C was started');
    assert.deepEqual(stopped, started.map((l) => l.replace('start', 'stop')).reverse());
    assert.equal(log.lines[0], 'start target');
    assert.equal(log.lines.at(-1), 'stop target');
    assert.ok(!log.lines.includes('kill node-0'), 'no chaos step ran');
    assert.ok(clock.now() - result.began < 1000, `took ${clock.now() - result.began} ms by the clock`);
    assert.match(result.report.abortReason ?? '', /^interrupted \(SIGINT\) after 0\.\d s$/);
    assert.equal(result.report.complete, false);
    assert.equal(result.verdict.exitCode, 2);
  });

  it('Ctrl-C during the run: everything is stopped at once, the report is marked incomplete and says when', async () => {
    const { clock, log } = setup();
    const controller = new AbortController();
    clock.setTimeout(() => controller.abort('SIGINT'), 400);
    const result = await run(clock, scenario('30s', 'chaos:\n  - { at: 1s, action: kill-node, target: node-0 }'), [fakeEngine(log, 'a')], log, { signal: controller.signal });
    assert.deepEqual(log.lines, ['start target', 'start a', 'stop a', 'stop target']);
    assert.equal(log.at.get('stop a')! - result.began, 400);
    assert.equal(result.report.abortReason, 'interrupted (SIGINT) after 0.4 s');
    assert.equal(result.report.durationMs, 400);
    assert.equal(result.verdict.exitCode, 2);
    assert.equal(clock.pendingTimers, 0, 'the pending chaos step was cancelled');
  });

  it('Ctrl-C during teardown: teardown goes on to the target, and the run, which had ended, stays complete', async () => {
    const { clock, log } = setup();
    const controller = new AbortController();
    const onStop = async (): Promise<void> => {
      controller.abort('SIGINT');
      await clock.sleep(200);
    };
    const result = await run(clock, scenario('1s'), [fakeEngine(log, 'a'), fakeEngine(log, 'b', { onStop })], log, { signal: controller.signal });
    assert.deepEqual(log.lines, ['start target', 'start a', 'start b', 'stop b', 'stop a', 'stop target']);
    assert.equal(log.at.get('stop a')! - log.at.get('stop b')!, 200, 'engine b was waited for, not cut short');
    assert.equal(result.report.complete, true);
    assert.equal(result.report.abortReason, null);
    assert.equal(result.report.durationMs, 1000);
  });

  it('an engine whose stop() throws: teardown goes on, and the report names the failure', async () => {
    const { clock, log } = setup();
    const result = await run(clock, scenario('1s'), [fakeEngine(log, 'a'), fakeEngine(log, 'b', { stopFails: 'fleet-1 did not exit' })], log);
    assert.deepEqual(log.lines, ['start target', 'start a', 'start b', 'stop b', 'stop a', 'stop target']);
    assert.equal(result.report.complete, false);
    assert.equal(result.report.abortReason, 'teardown: engine b: fleet-1 did not exit');
    assert.equal(result.verdict.exitCode, 2);
  });

  it('an engine that prepares (Chromium) does so before the run\'s clock starts; stopped once; stopped also when Ctrl-C comes before it starts', async () => {
    const { clock, log } = setup();
    const preparing: Engine = {
      ...fakeEngine(log, 'b'),
      prepare: async () => {
        log.add('prepare b');
        await clock.sleep(3000);
      },
    };
    const result = await run(clock, scenario('2s', 'chaos:\n  - { at: 1s, action: kill-node, target: node-0 }'), [fakeEngine(log, 'a'), preparing], log);
    assert.deepEqual(log.lines, ['start target', 'prepare b', 'start a', 'start b', 'kill node-0', 'stop b', 'stop a', 'stop target']);
    // The 3 s of preparing came before t=0: the chaos step is at 1 s of the run's clock, not 3 s into it.
    assert.equal(log.at.get('kill node-0')! - log.at.get('start a')!, 1000);
    assert.equal(result.report.complete, true);

    const aborted = setup();
    const controller = new AbortController();
    const interrupted: Engine = {
      ...fakeEngine(aborted.log, 'c'),
      prepare: async () => {
        aborted.log.add('prepare c');
        controller.abort('SIGINT');
      },
    };
    const abortedRun = await run(aborted.clock, scenario('30s'), [interrupted], aborted.log, { signal: controller.signal });
    assert.deepEqual(aborted.log.lines, ['start target', 'prepare c', 'stop c', 'stop target']);
    assert.equal(abortedRun.report.complete, false);
  });

  it('a crashed engine process marks the run aborted, naming what it said', async () => {
    const { clock, log } = setup();
    const result = await run(clock, scenario('1s'), [fakeEngine(log, 'a', { crashes: ['fleet-0 exited with code 70: out of memory'] })], log);
    assert.equal(result.report.abortReason, 'engine process crashed: fleet-0 exited with code 70: out of memory');
    assert.equal(result.verdict.exitCode, 2);
  });
});
