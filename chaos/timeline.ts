/**
 * Runs the scenario's chaos steps at their times. Every step becomes an event (start, outcome and,
 * for a step that lasts, its end); a step that is still active when the run stops is undone then.
 */
import type { MetricStore } from '../core/metrics/store.js';
import { seededRandom } from '../core/plan/random.js';
import type { ChaosStep } from '../core/scenario/index.js';
import type { Target } from '../target-server/bundled-target.js';
import { applyStep } from './process-actions.js';

export class ChaosTimeline {
  private readonly timers: NodeJS.Timeout[] = [];
  /** Undo of every step still in effect (paused nodes), by a key naming it. */
  private readonly active = new Map<string, () => Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private readonly random: () => number;

  constructor(
    private readonly steps: ChaosStep[],
    private readonly target: Target,
    private readonly store: MetricStore,
    seed: number,
  ) {
    // Its own stream, so adding a chaos step does not change the plan's draws.
    this.random = seededRandom(seed ^ 0x5eed_c4a0);
  }

  start(): void {
    this.steps.forEach((step, index) => {
      this.timers.push(setTimeout(() => this.track(this.run(step, index)), Math.max(0, this.store.startMs + step.atMs - Date.now())));
    });
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  private now(): number {
    return Date.now() - this.store.startMs;
  }

  private async run(step: ChaosStep, index: number): Promise<void> {
    const atMs = this.now();
    const durationMs = step.action === 'pause-node' ? step.forMs : undefined;
    try {
      const outcome = await applyStep(step, this.target, this.random);
      this.store.event({ atMs, kind: 'chaos', action: step.action, target: outcome.target, ok: true, detail: outcome.detail, ...(durationMs ? { durationMs } : {}) });
      if (step.action === 'pause-node') {
        const key = `chaos[${index}]`;
        const resume = async (): Promise<void> => {
          this.active.delete(key);
          const detail = await this.target.resumeNode(outcome.target).catch((error: Error) => `resume failed: ${error.message}`);
          this.store.event({ atMs: this.now(), kind: 'chaos-end', action: step.action, target: outcome.target, ok: !detail.startsWith('resume failed'), detail });
        };
        this.active.set(key, resume);
        this.timers.push(setTimeout(() => this.track(resume()), step.forMs));
      }
    } catch (error) {
      this.store.event({ atMs, kind: 'chaos', action: step.action, target: 'target' in step ? step.target : step.command.join(' '), ok: false, detail: (error as Error).message });
    }
  }

  /** Cancels steps not yet due, waits for those under way, and undoes what is still in effect. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled([...this.running]);
    await Promise.allSettled([...this.active.values()].map((undo) => undo()));
  }
}
