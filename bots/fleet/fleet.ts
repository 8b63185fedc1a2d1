/** The run's side of the fleet: forks fleet processes, hands each its slice, merges their metrics. */
import { fork, type ChildProcess } from 'node:child_process';
import type { MetricStore } from '../../core/metrics/store.js';
import { compiledPath } from '../../core/paths.js';
import { processSlice, type RunPlan } from '../../core/plan/plan.js';
import type { FleetProgress, FromFleet, ToFleet } from './protocol.js';

export interface FleetOptions {
  plan: RunPlan;
  processes: number;
  urls: string[];
  runTag: string;
  startMs: number;
  endMs: number;
  joinTimeoutMs: number;
  store: MetricStore;
}

interface Member { child: ChildProcess; progress: FleetProgress; stopped: Promise<void>; fatal?: string }

const stopGraceMs = 10_000;

export class Fleet {
  private readonly members: Member[];

  constructor(private readonly options: FleetOptions) {
    this.members = [...Array(options.processes).keys()].map((index) => this.spawn(index));
  }

  private spawn(index: number): Member {
    const { options } = this;
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
      for (const bucket of message.buckets) options.store.mergeBucket(bucket);
      member.progress = message.progress;
      if (message.type === 'stopped') reported();
    });
    const bots = processSlice(options.plan, index, options.processes);
    const start: ToFleet = { type: 'start', index, startMs: options.startMs, endMs: options.endMs, urls: options.urls, runTag: options.runTag, bots, joinTimeoutMs: options.joinTimeoutMs };
    child.send(start);
    return member;
  }

  progress(): FleetProgress {
    return this.members.reduce(
      (sum, m) => ({ connected: sum.connected + m.progress.connected, joined: sum.joined + m.progress.joined, failed: sum.failed + m.progress.failed }),
      { connected: 0, joined: 0, failed: 0 },
    );
  }

  /** Fleet processes that crashed, with what they said last. */
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
