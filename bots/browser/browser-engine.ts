/**
 * The browser engine: real Chromium participants, `perProcess` pages per browser process, seated
 * in the plan's rooms next to werift bots. It runs in the run's own process and writes straight
 * into the run's store; each page does its media work in its own browser.
 */
import { targetRoomId } from '../../core/plan/plan.js';
import { botRandom } from '../../core/plan/random.js';
import type { BrowserGroup } from './browser-group.js';
import type { Engine, EngineContext, EnginePreparation, EngineProgress } from '../../ports/engine.js';
import type { ClientChange, ClientControl } from '../../ports/client-control.js';
import { applyClientChange, type ChaosParticipant } from '../client-chaos.js';
import type { TargetAdapter } from '../../ports/target-adapter.js';
import { createTargetAdapter } from '../../targets/adapter-module.js';
import { MediaWatch } from '../media-watch.js';
import { DeadlineChecks, SampleDeadline } from '../sample-deadline.js';
import { BrowserParticipant } from './browser-participant.js';
import { Chromium } from './chromium.js';
import { PageServer } from './page-server.js';
import { ProcessTreeUsage } from './process-usage.js';

export interface BrowserEngineOptions {
  joinTimeoutMs: number;
}

/** One browser process and the participants whose pages it hosts. */
interface Host {
  participants: BrowserParticipant[];
  /** The run's view of this browser's per-second samples (`browser-<index>`). */
  deadline: SampleDeadline;
  chromium?: Chromium;
  usage?: ProcessTreeUsage;
  /** Settles when the browser is up and the pages are open, or when that failed. */
  ready: Promise<void>;
}

export class BrowserEngine implements Engine {
  readonly name = 'browser';
  private context: EngineContext | undefined;
  private server: PageServer | undefined;
  private hosts: Host[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private sampleTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private sampledUpTo = -1;
  private leaving: Promise<void> | undefined;
  private adapter: TargetAdapter | undefined;
  private stopping = false;
  /** Launched by prepare(), before the run's clock started; taken by the hosts in order. */
  private readonly prepared: Array<Promise<Chromium>> = [];
  private readonly mediaWatch = new MediaWatch((now) => {
    for (const p of this.participants) p.checkMedia(now);
  });

  /** Reconnect and churn steps, for this engine's participants (the change names every engine's). */
  readonly clients: ClientControl = { apply: (change) => Promise.resolve(this.applyClients(change)) };

  constructor(private readonly options: BrowserEngineOptions) {}

  private applyClients(change: ClientChange): void {
    const context = this.context;
    if (!context || this.stopping) return;
    const byId = new Map(this.participants.map((p) => [p.options.plan.id, p]));
    // A page's own leave() ends it for good; churn's is leaveRoom().
    const find = (id: number): ChaosParticipant | undefined => {
      const p = byId.get(id);
      return p && { reconnect: () => p.reconnect(), leave: () => p.leaveRoom(), rejoin: () => p.rejoin() };
    };
    applyClientChange(change, find, context.startMs, this.timers);
  }

  private get participants(): BrowserParticipant[] {
    return this.hosts.flatMap((h) => h.participants);
  }

  /** One Chromium per host the plan needs, launched together, before the run's clock starts. */
  async prepare(facts: EnginePreparation): Promise<void> {
    for (const group of facts.scenario.fleet) {
      if (group.engine !== 'browser') continue;
      const pages = facts.plan.bots.filter((bot) => bot.group === group.name).length;
      for (let k = 0; k < Math.ceil(pages / group.perProcess); k++) this.prepared.push(Chromium.launch(facts.processes));
    }
    // A launch that failed fails its host's participants at start, as a launch there would.
    await Promise.allSettled(this.prepared);
  }

  /** Returns at once: browsers not prepared start in the background, each page joins at its planned time. */
  async start(context: EngineContext): Promise<void> {
    this.context = context;
    // The pages' signalling runs here, in the run process, through the same adapter module as the bots'.
    const adapter = await createTargetAdapter(context.adapter);
    this.adapter = adapter;
    const server = await PageServer.start();
    this.server = server;
    for (const group of context.scenario.fleet) {
      if (group.engine !== 'browser') continue;
      const participants = context.plan.bots
        .filter((bot) => bot.group === group.name)
        .map((plan) => new BrowserParticipant({ plan, roomId: targetRoomId(context.runTag, plan.room), adapter, store: context.store, joinTimeoutMs: this.options.joinTimeoutMs, recovery: context.scenario.recovery, random: botRandom(context.plan.seed, plan.id), targetOnLoopback: context.loopbackOnly }));
      for (let first = 0; first < participants.length; first += group.perProcess) this.addHost(participants.slice(first, first + group.perProcess), server.url);
    }
    this.timers.push(
      setTimeout(() => {
        // The last second is counted with everyone still in it; then media stops, as the bots' does.
        this.sampleEndedSeconds();
        void this.leaveAll();
      }, context.endMs - Date.now()),
    );
    this.scheduleSample();
    this.deadlineTimer = DeadlineChecks.every(() => this.hosts.map((h) => h.deadline));
    this.mediaWatch.start();
  }

  private addHost(participants: BrowserParticipant[], pageUrl: string): void {
    const host: Host = { participants, deadline: new SampleDeadline(this.context!.store, `browser-${this.hosts.length}`, this.lastSecond), ready: Promise.resolve() };
    host.ready = this.launch(host, pageUrl);
    this.hosts.push(host);
  }

  private async launch(host: Host, pageUrl: string): Promise<void> {
    const { startMs } = this.context!;
    try {
      host.chromium = await (this.prepared.shift() ?? Chromium.launch(this.context!.processes));
    } catch (error) {
      for (const p of host.participants) p.fail(`cannot start Chromium: ${(error as Error).message}`);
      return;
    }
    const chromium = host.chromium;
    if (this.stopping) return;
    host.usage = new ProcessTreeUsage(chromium.pid);
    chromium.onExit((reason) => host.participants.forEach((p) => p.fail(reason)));
    await Promise.all(host.participants.map((p) => p.open(chromium, pageUrl).catch((error: Error) => p.fail(`cannot open the page: ${error.message}`))));
    if (this.stopping) return;
    for (const p of host.participants) {
      this.timers.push(setTimeout(() => void p.join(), Math.max(0, startMs + p.options.plan.joinAtMs - Date.now())));
    }
  }

  private secondAt(ms: number): number {
    return Math.floor((ms - this.context!.startMs) / 1000);
  }

  private get lastSecond(): number {
    const { startMs, endMs } = this.context!;
    return Math.ceil((endMs - startMs) / 1000) - 1;
  }

  /** One timer per second boundary, re-aimed each time, so a sample never drifts into the next second. */
  private scheduleSample(): void {
    const boundary = Math.max(1, this.secondAt(Date.now()) + 1);
    if (boundary > this.lastSecond + 1) return;
    this.sampleTimer = setTimeout(() => {
      this.sampleEndedSeconds();
      this.scheduleSample();
    }, this.context!.startMs + boundary * 1000 - Date.now());
  }

  /** Samples each second of the run that has ended and was not sampled yet. */
  private sampleEndedSeconds(): void {
    const ended = Math.min(this.secondAt(Date.now()) - 1, this.lastSecond);
    for (let second = this.sampledUpTo + 1; second <= ended; second++) this.sampleSecond(second, true);
  }

  /**
   * Moves one second's counts into the store. Stats, CPU, memory and the connected gauge are
   * taken once per second only (`withGauges`): the last call after leaving only adds late counts.
   */
  private sampleSecond(second: number, withGauges: boolean, last = false): void {
    const { store, startMs, scenario } = this.context!;
    const at = startMs + second * 1000 + 500;
    for (const host of this.hosts) {
      const answers = host.participants.map((p) => p.sampleSecond(at, withGauges, last)).filter((a) => a !== undefined);
      // Delivered once every page asked has answered; a page that did not leaves the second missing.
      if (withGauges) void Promise.all(answers).then((answered) => answered.every(Boolean) && host.deadline.arrived(second));
    }
    if (!withGauges) return;
    this.sampledUpTo = second;
    for (const host of this.hosts) {
      const live = host.participants.filter((p) => p.state === 'connected');
      const usage = host.usage?.sample();
      if (!usage || live.length === 0) continue;
      for (const p of live) p.recordUsage({ cpuPercent: usage.cpuPercent / live.length, memoryMb: usage.memoryMb / live.length }, at);
    }
    for (const group of scenario.fleet.filter((g): g is BrowserGroup => g.engine === 'browser')) {
      const connected = this.participants.filter((p) => p.options.plan.group === group.name && p.state === 'connected').length;
      store.gauge('bots_connected', connected, group.name, at);
    }
  }

  private leaveAll(): Promise<void> {
    this.mediaWatch.stop();
    this.leaving ??= Promise.all(this.participants.map((p) => p.leave())).then(() => undefined);
    return this.leaving;
  }

  progress(): EngineProgress {
    const participants = this.participants;
    const count = (test: (p: BrowserParticipant) => boolean): number => participants.filter(test).length;
    return { connected: count((p) => p.state === 'connected'), joined: count((p) => p.joined), failed: count((p) => p.state === 'failed') };
  }

  /** A browser that dies fails its participants (reported in the store), not the run. */
  crashes(): string[] {
    return [];
  }

  async stop(): Promise<void> {
    // Prepared browsers no host took: the run ended before (or without) starting this engine.
    const unused = this.prepared.splice(0);
    await Promise.all(unused.map((launched) => launched.then((chromium) => chromium.close()).catch(() => undefined)));
    if (!this.context) return;
    this.stopping = true;
    const stopAt = Date.now();
    for (const timer of [...this.timers, this.sampleTimer]) clearTimeout(timer);
    clearInterval(this.deadlineTimer);
    await Promise.all(this.hosts.map((h) => h.ready));
    // Seconds that ended are sampled with everyone still in the room; what the pages ship as they
    // leave goes to the second the run stopped in.
    this.sampleEndedSeconds();
    await this.leaveAll();
    const second = Math.min(this.secondAt(stopAt), this.lastSecond);
    this.sampleSecond(second, second > this.sampledUpTo, true);
    await Promise.all(this.hosts.map(async (h) => h.chromium?.close()));
    await this.adapter?.close();
    // Samples of a browser that died or failed to start never come: those seconds are missing.
    for (const host of this.hosts) if (host.chromium) host.deadline.finish(second);
    await this.server?.close();
  }
}
