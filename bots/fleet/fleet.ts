/** The werift engine's side in the run: forks fleet processes, hands each its slice, merges their metrics. */
import { fork, type ChildProcess } from 'node:child_process';
import type { FleetLayout, FleetSlice, LayOutFleet, NetworkChange, NetworkChaos } from '../../ports/network-control.js';
import { compiledPath } from '../../core/paths.js';
import { processSlice } from '../../core/plan/plan.js';
import { fleetProcessCount, type FleetProcessBudget } from '../../core/plan/fleet-processes.js';
import type { Engine, EngineContext, EnginePreparation, EngineProgress } from '../../ports/engine.js';
import type { ClientChange, ClientControl } from '../../ports/client-control.js';
import { ensureVideoClips } from '../video/clips.js';
import { ensureVoiceClips } from '../voice/voice-clip.js';
import { DeadlineChecks, SampleDeadline } from '../sample-deadline.js';
import type { FromFleet, ToFleet } from './protocol.js';
import { resolveMediaPlane, type MediaPlaneName } from '../native-plane/plane-choice.js';

export interface FleetOptions {
  /** Fleet processes; absent: as many as the plan's load needs on this plane (`fleetProcessCount`), up to one per core. */
  processes?: number;
  cores: number;
  joinTimeoutMs: number;
  /** The network backend the composition root picked for the scenario. */
  layOut: LayOutFleet;
}

interface Member {
  child: ChildProcess;
  progress: EngineProgress;
  /** Resolved by the final report, or by the process ending without one (crash, kill). */
  stopped: Promise<void>;
  exited: Promise<void>;
  deadline: SampleDeadline;
  fatal?: string;
  /** The run killed it (it did not stop in time): its signal is not a crash. */
  killedByRun?: boolean;
}

const stopGraceMs = 10_000;

/**
 * What one fleet process carries, per plane: 256 voice bots on the native plane (a process there uses a
 * fifth of a core at 256 in rooms of 8), 64 on the TypeScript one (its layout at 128 bots on 2 cores
 * before this rule); a video bot weighs as ten (56 video bots a core against 560 voice bots).
 */
const budgets: Record<MediaPlaneName, FleetProcessBudget> = {
  native: { botsPerProcess: 256, videoBotWeight: 10, joinsPerProcessSecond: 50 },
  typescript: { botsPerProcess: 64, videoBotWeight: 10, joinsPerProcessSecond: 50 },
};

export class Fleet implements Engine {
  readonly name = 'werift';
  private members: Member[] = [];
  private layout: FleetLayout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private context: EngineContext | undefined;
  /** Where network chaos goes; set by start() when the scenario touches the network. */
  network: NetworkChaos | undefined;
  /** Reconnect and churn steps: to every process, each acts on its own bots. */
  readonly clients: ClientControl = {
    apply: async (change: ClientChange) => this.members.forEach((m) => m.child.connected && m.child.send({ type: 'clients', change } satisfies ToFleet)),
  };

  /** Settled in prepare(): a scenario asking for a native plane that is not built fails before the run's clock. */
  mediaPlane: MediaPlaneName = 'typescript';

  constructor(private readonly options: FleetOptions) {}

  /**
   * Bots replay Opus clips and video bots VP8 clips, cached on disk; one missing here is encoded now,
   * before the run's clock, not by a fleet process at its start (0.3 s of a core per Opus clip).
   */
  async prepare(facts: EnginePreparation): Promise<void> {
    this.mediaPlane = resolveMediaPlane(facts.scenario.media.plane);
    const werift = facts.plan.bots.filter((bot) => bot.engine === 'werift');
    if (werift.some((bot) => bot.video)) ensureVideoClips();
    ensureVoiceClips(werift.map((bot) => bot.audio));
  }

  async start(context: EngineContext): Promise<void> {
    this.context = context;
    const network = context.network;
    // The media plane is settled (prepare()): the process count depends on it.
    const processes = this.options.processes ?? fleetProcessCount(context.scenario, context.plan.bots, this.options.cores, budgets[this.mediaPlane]);
    const processSlices = [...Array(processes).keys()].map((index) => processSlice(context.plan, index, processes).filter((bot) => bot.engine === 'werift'));
    const werift = context.plan.bots.filter((bot) => bot.engine === 'werift');
    this.layout = await this.options.layOut({ runTag: context.runTag, seed: context.plan.seed, network, werift, processSlices });
    this.members = this.layout.slices.map((slice, index) => this.spawn(index, context, slice));
    // Which plane carried the bots' RTP, in the report: 'auto' in a scenario is settled per machine.
    context.store.event({ atMs: 0, kind: 'media-plane', ok: true, detail: `werift bots on the ${this.mediaPlane} media plane` });
    this.deadlineTimer = DeadlineChecks.every(() => this.members.map((m) => m.deadline));
    if (!network) return;
    const toRelays = { apply: async (change: NetworkChange) => this.members.forEach((m) => m.child.connected && m.child.send({ type: 'network', change } satisfies ToFleet)) };
    this.network = { plan: network, control: this.layout.control ?? toRelays };
  }

  private spawn(index: number, context: EngineContext, slice: FleetSlice): Member {
    // `ip netns exec` keeps the IPC channel's descriptor and environment, and execs node in place.
    const inNamespace = slice.netns ? { execPath: 'ip', execArgv: ['netns', 'exec', slice.netns, process.execPath] } : {};
    const child = fork(compiledPath('bots/fleet/fleet-process.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', ...inNamespace });
    if (child.pid !== undefined) context.processes.started(child.pid, `fleet-${index}`);
    const lastSecond = Math.ceil((context.endMs - context.startMs) / 1000) - 1;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const member: Member = { child, progress: { connected: 0, joined: 0, failed: 0 }, stopped: exited, exited, deadline: new SampleDeadline(context.store, `fleet-${index}`, lastSecond) };
    let reported = (): void => undefined;
    member.stopped = new Promise((resolve) => {
      reported = resolve;
      void exited.then(resolve);
    });
    child.on('message', (message: FromFleet) => {
      if (message.type === 'fatal') {
        member.fatal = message.message;
        return;
      }
      if (message.second !== null) member.deadline.arrived(message.second);
      for (const bucket of message.buckets) context.store.mergeBucket(bucket);
      member.progress = message.progress;
      if (message.type === 'stopped') reported();
    });
    const start: ToFleet = {
      type: 'start',
      index,
      startMs: context.startMs,
      endMs: context.endMs,
      adapter: context.adapter,
      loopbackOnly: context.loopbackOnly,
      runTag: context.runTag,
      bots: slice.bots,
      seed: context.plan.seed,
      recovery: context.scenario.recovery,
      joinTimeoutMs: this.options.joinTimeoutMs,
      mediaPlane: this.mediaPlane,
      ...(slice.network ? { network: slice.network } : {}),
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
    return this.members.flatMap((m, i) => {
      if (m.fatal) return [`fleet-${i}: ${m.fatal}`];
      if (m.child.exitCode !== null && m.child.exitCode !== 0) return [`fleet-${i} exited with code ${m.child.exitCode}`];
      // A signal the run did not send (a fault in native code: SIGSEGV, SIGABRT; or a kill from outside).
      if (m.child.signalCode !== null && !m.killedByRun) return [`fleet-${i} was killed by ${m.child.signalCode}`];
      return [];
    });
  }

  /** Asks every process to drain and report; kills any that does not finish in time. */
  async stop(): Promise<void> {
    clearInterval(this.deadlineTimer);
    const stopAt = Date.now();
    await Promise.all(
      this.members.map(async (member) => {
        if (member.child.exitCode !== null || member.child.signalCode !== null) return;
        if (member.child.connected) member.child.send({ type: 'stop' } satisfies ToFleet);
        const timer = setTimeout(() => {
          member.killedByRun = true;
          member.child.kill('SIGKILL');
        }, stopGraceMs);
        // Gone, not only done: when the run returns, none of its processes may still exist.
        await Promise.all([member.stopped, member.exited]);
        clearTimeout(timer);
      }),
    );
    if (this.context) {
      const stopSecond = Math.floor((stopAt - this.context.startMs) / 1000);
      for (const member of this.members) member.deadline.finish(stopSecond);
    }
    // After the processes: a namespace is only gone once nothing runs in it.
    await this.layout?.remove();
  }
}
