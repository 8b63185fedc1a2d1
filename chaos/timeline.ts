/**
 * Runs the scenario's chaos steps at their times. Every step becomes an event (start, outcome and,
 * for a step that lasts, its end); a step that is still active when the run stops is undone then.
 */
import { realClock, type Clock, type Timer } from '../core/clock.js';
import type { MetricStore } from '../core/metrics/store.js';
import { seededRandom } from '../core/plan/random.js';
import type { ChaosStep } from '../core/scenario/index.js';
import type { Target } from '../ports/target-control.js';
import { startNetworkStep } from './network/network-actions.js';
import type { NetworkChaos } from '../ports/network-control.js';
import { applyStep, type StepOutcome } from './process-actions.js';
import { startClientStep, type ClientChaos } from './client-actions.js';

export class ChaosTimeline {
  private readonly timers: Timer[] = [];
  /** Undo of every step still in effect (paused nodes, impairments, partitions), by a key naming it. */
  private readonly active = new Map<string, () => Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private readonly random: () => number;

  constructor(
    private readonly steps: ChaosStep[],
    private readonly target: Target,
    private readonly store: MetricStore,
    seed: number,
    /** Absent when no werift bots run: network steps then fail with a clear event. */
    private readonly network?: NetworkChaos,
    /**
     * `observe` in shards other than 0 of a distributed run: shard 0 acts on the shared target, the
     * others only record that the step happened. Network steps act on each shard's own bots, so
     * every shard executes those.
     */
    private readonly processChaos: 'execute' | 'observe' = 'execute',
    private readonly clock: Clock = realClock,
    /** Where reconnect and churn go: the seeded picks and the engines whose participants take them; absent: none run. */
    private readonly clients?: ClientChaos,
  ) {
    // Its own stream, so adding a chaos step does not change the plan's draws.
    this.random = seededRandom(seed ^ 0x5eed_c4a0);
  }

  start(): void {
    this.steps.forEach((step, index) => {
      this.timers.push(this.clock.setTimeout(() => this.track(this.run(step, index)), Math.max(0, this.store.startMs + step.atMs - this.clock.now())));
    });
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  private now(): number {
    return this.clock.now() - this.store.startMs;
  }

  private async run(step: ChaosStep, index: number): Promise<void> {
    const atMs = this.now();
    if (this.processChaos === 'observe' && !actsOnOwnBots(step)) {
      this.store.event({ atMs, kind: 'chaos-observed', action: step.action, target: targetOf(step), detail: 'run by shard 0' });
      return;
    }
    const durationMs = 'forMs' in step && step.forMs !== null ? step.forMs : undefined;
    try {
      const outcome = await this.apply(step, index);
      this.store.event({ atMs, kind: 'chaos', action: step.action, target: outcome.target, ok: true, detail: outcome.detail, ...(durationMs ? { durationMs } : {}) });
      if (outcome.undo) this.keep(step, index, outcome.target, outcome.undo, durationMs);
    } catch (error) {
      this.store.event({ atMs, kind: 'chaos', action: step.action, target: targetOf(step), ok: false, detail: (error as Error).message });
    }
  }

  private async apply(step: ChaosStep, index: number): Promise<StepOutcome & { undo?: () => Promise<string> }> {
    if (step.action === 'impair' || step.action === 'partition') {
      if (!this.network) throw new Error(`${step.action} needs werift bots, and none are running`);
      return startNetworkStep(step, index, this.network, this.target);
    }
    if (step.action === 'reconnect' || step.action === 'churn') {
      if (!this.clients || this.clients.controls.length === 0) throw new Error(`${step.action} needs werift bots or browsers, and none are running`);
      return startClientStep(step, index, this.clients, () => this.now());
    }
    const outcome = await applyStep(step, this.target, this.random);
    return step.action === 'pause-node' ? { ...outcome, undo: () => this.target.resumeNode(outcome.target) } : outcome;
  }

  /** A step that lasts: undone after `durationMs`, or when the run stops. */
  private keep(step: ChaosStep, index: number, target: string, undo: () => Promise<string>, durationMs: number | undefined): void {
    const key = `chaos[${index}]`;
    const end = async (): Promise<void> => {
      this.active.delete(key);
      const result = await undo().then(
        (detail) => ({ ok: true, detail }),
        (error: Error) => ({ ok: false, detail: `${step.action === 'pause-node' ? 'resume' : 'undo'} failed: ${error.message}` }),
      );
      this.store.event({ atMs: this.now(), kind: 'chaos-end', action: step.action, target, ...result });
    };
    this.active.set(key, end);
    if (durationMs !== undefined) this.timers.push(this.clock.setTimeout(() => this.track(end()), durationMs));
  }

  /** Cancels steps not yet due, waits for those under way, and undoes what is still in effect. */
  async stop(): Promise<void> {
    const cancel = (): void => this.timers.splice(0).forEach((timer) => this.clock.clearTimeout(timer));
    cancel();
    await Promise.allSettled([...this.running]);
    // A step that was under way armed the end of its `for:` meanwhile: undone below, so not again later.
    cancel();
    await Promise.allSettled([...this.active.values()].map((undo) => undo()));
  }
}

/** Network and client steps act on each shard's own bots, so every shard executes them. */
function actsOnOwnBots(step: ChaosStep): boolean {
  return step.action === 'impair' || step.action === 'partition' || step.action === 'reconnect' || step.action === 'churn';
}

function targetOf(step: ChaosStep): string {
  switch (step.action) {
    case 'exec':
      return step.command.join(' ');
    case 'impair':
      return step.profile;
    case 'reconnect':
    case 'churn':
      return step.bots.kind === 'group' ? `group ${step.bots.name}` : step.bots.kind === 'rooms' ? `rooms ${step.bots.rooms.join(', ')}` : `${Math.round(step.bots.ratio * 1000) / 10}% of participants`;
    default:
      return step.target;
  }
}
