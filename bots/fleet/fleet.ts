/** The werift engine's side in the run: forks fleet processes, hands each its slice, merges their metrics. */
import { fork, type ChildProcess } from 'node:child_process';
import { compiledPath } from '../../core/paths.js';
import { processSlice } from '../../core/plan/plan.js';
import type { Engine, EngineContext, EngineProgress } from '../../core/run/engine.js';
import type { FromFleet, ToFleet } from './protocol.js';

export interface FleetOptions {
  processes: number;
  joinTimeoutMs: number;
}

interface Member { child: ChildProcess; progress: EngineProgress; stopped: Promise<void>; fatal?: string }

const stopGraceMs = 10_000;

export class Fleet implements Engine {
  readonly name = 'werift';
  private members: Member[] = [];

  constructor(private readonly options: FleetOptions) {}

  async start(context: EngineContext): Promise<void> {
    this.members = [...Array(this.options.processes).keys()].map((index) => this.spawn(index, context));
  }

  private spawn(index: number, context: EngineContext): Member {
    const child = fork(compiledPath('bots/fleet/fleet-process.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    const member: Member = { child, progress: { connected: 0, joined: 0, failed: 0 }, stopped: Promise.resolve() };
    let reported = (): void => undefined;
    // Resolved by the final report, or by the process ending without one (crash, kill).
    member.stopped = new Promise((resolve) => {
      reported = resolve;
      child.once('close', () => resolve());
    });
    child.on('message', (message: FromFleet) => {
      if (message.type === 'fatal') {
        member.fatal = message.message;
        return;
      }
      for (const bucket of message.buckets) context.store.mergeBucket(bucket);
      member.progress = message.progress;
      if (message.type === 'stopped') reported();
    });
    const start: ToFleet = {
      type: 'start',
      index,
      startMs: context.startMs,
      endMs: context.endMs,
      signallingUrl: context.signallingUrl,
      runTag: context.runTag,
      bots: processSlice(context.plan, index, this.options.processes).filter((bot) => bot.engine === 'werift'),
      seed: context.plan.seed,
      recovery: context.scenario.recovery,
      joinTimeoutMs: this.options.joinTimeoutMs,
    };
    child.send(start);
    return member;
  }

  progress(): EngineProgress {
    return this.members.reduce(
      (sum, m) => ({ connected: sum.connected + m.progress.connected, joined: sum.joined + m.progress.joined, failed: sum.failed + m.progress.failed }),
      { connected: 0, joined: 0, failed: 0 },
    );
  }

  crashes(): string[] {
    return this.members.flatMap((m, i) => (m.fatal ? [`fleet-${i}: ${m.fatal}`] : m.child.exitCode !== null && m.child.exitCode !== 0 ? [`fleet-${i} exited with code ${m.child.exitCode}`] : []));
  }

  /** Asks every process to drain and report; kills any that does not finish in time. */
  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(async (member) => {
        if (member.child.exitCode !== null || member.child.signalCode !== null) return;
        if (member.child.connected) member.child.send({ type: 'stop' } satisfies ToFleet);
        const timer = setTimeout(() => member.child.kill('SIGKILL'), stopGraceMs);
        await member.stopped;
        clearTimeout(timer);
      }),
    );
  }
}
