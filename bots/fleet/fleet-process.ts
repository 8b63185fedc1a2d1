/**
 * A fleet process: hosts many bots, sends their packets from one timer per packet time, and ships
 * its metrics to the run once per second as mergeable buckets.
 */
import { typescriptMediaPlane } from '../werift/fast-media.js';
import { nativeMediaPlane } from '../native-plane/native-plane.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { roomName, targetRoomId } from '../../core/plan/plan.js';
import { MetricStore } from '../../core/metrics/store.js';
import { botRandom } from '../../core/plan/random.js';
import { MediaWatch } from '../media-watch.js';
import { warmFetch } from '../warm-fetch.js';
import { WeriftBot } from '../werift/werift-bot.js';
import { ensureVoiceClips } from '../voice/voice-clip.js';
import { fleetRoutes } from '../../chaos/network/fleet-network.js';
import type { FleetRoutes, NetworkChange } from '../../ports/network-control.js';
import type { ClientChange } from '../../ports/client-control.js';
import { applyClientChange } from '../client-chaos.js';
import type { TargetAdapter } from '../../ports/target-adapter.js';
import { createTargetAdapter } from '../../targets/adapter-module.js';
import { HarnessProbe } from '../../core/harness-probe.js';
import { SendScheduler } from './send-scheduler.js';
import type { EngineProgress } from '../../ports/engine.js';
import type { FleetStart, FromFleet, ToFleet } from './protocol.js';
import { endChild, childFailed } from '../../core/child-exit.js';

/** Time for packets already in flight to arrive before receivers stop counting. */
const drainMs = 500;
const maxFailureEvents = 20;

function send(message: FromFleet): void {
  process.send?.(message);
}

class FleetProcess {
  private readonly store: MetricStore;
  private readonly bots: WeriftBot[] = [];
  private readonly joinTimers: NodeJS.Timeout[] = [];
  private readonly sendTimers: NodeJS.Timeout[] = [];
  private readonly schedulers: SendScheduler[] = [];
  private readonly mediaWatch = new MediaWatch((now) => {
    for (const bot of this.bots) bot.checkMedia(now);
  });
  private sampleTimer: NodeJS.Timeout | undefined;
  private sampledUpTo = -1;
  private readonly probe: HarnessProbe;
  private readonly routes: FleetRoutes;
  private adapter: TargetAdapter | undefined;
  private stopping = false;
  private joined = 0;
  private failed = 0;

  constructor(private readonly start: FleetStart) {
    // Its seconds are shipped as they close, so none is frozen first (a late sample's second would be encoded and deflated only to go).
    this.store = new MetricStore(start.startMs, { freeze: false });
    this.probe = new HarnessProbe(this.store, `fleet-${start.index}`);
    this.routes = fleetRoutes(start.network, start.startMs, (error) => this.harnessError(`impairment relay: ${error.message}`));
  }

  async run(): Promise<void> {
    const { start } = this;
    this.adapter = await createTargetAdapter(start.adapter);
    // Told to stop while the adapter was being made: nothing may start now.
    if (this.stopping) return;
    // From a network namespace the target is reached at its gateway, which is not on loopback.
    const loopbackOnly = start.loopbackOnly && start.network?.backend !== 'kernel';
    const mediaPlane = start.mediaPlane === 'native' ? nativeMediaPlane() : typescriptMediaPlane;
    if (mediaPlane instanceof Error) throw mediaPlane;
    for (const plan of start.bots) {
      const bot = new WeriftBot({ mediaPlane, id: plan.id, roomId: targetRoomId(start.runTag, plan.room), room: roomName(plan.room), adapter: this.adapter, loopbackOnly, targetOnLoopback: start.loopbackOnly, group: plan.group, audio: plan.audio, store: this.store, joinTimeoutMs: start.joinTimeoutMs, recovery: start.recovery, random: botRandom(start.seed, plan.id), route: this.routes.route(plan.id), role: plan.role, talk: plan.talk, video: plan.video });
      bot.on('connected', () => this.joined++);
      bot.on('failed', (error) => this.onBotFailed(bot, error));
      this.bots.push(bot);
      this.joinTimers.push(setTimeout(() => void bot.join(), Math.max(0, start.startMs + plan.joinAtMs - Date.now())));
    }
    for (const ptimeMs of new Set(start.bots.map((b) => b.audio.ptimeMs))) {
      const scheduler = new SendScheduler(ptimeMs, (slots) => mediaPlane.voiceBatch?.(slots, ptimeMs));
      for (const bot of this.bots) if (bot.options.audio.ptimeMs === ptimeMs) scheduler.add(bot);
      scheduler.start(start.startMs);
      this.schedulers.push(scheduler);
    }
    this.mediaWatch.start();
    this.sendTimers.push(setTimeout(() => this.stopSending(), start.endMs - Date.now()));
    this.scheduleSample();
  }

  private stopSending(): void {
    for (const timer of [...this.joinTimers, ...this.sendTimers]) clearTimeout(timer);
    this.mediaWatch.stop();
    for (const scheduler of this.schedulers) scheduler.stop();
  }

  private secondAt(ms: number): number {
    return Math.floor((ms - this.start.startMs) / 1000);
  }

  /** One timer per second boundary, re-aimed each time, so sampling never drifts into the next second. */
  private scheduleSample(): void {
    const boundary = Math.max(1, this.secondAt(Date.now()) + 1);
    if (boundary > this.lastSecond + 1) return;
    this.sampleTimer = setTimeout(() => {
      this.sampleSecond(boundary - 1, true);
      send({ type: 'buckets', second: boundary - 1, buckets: this.store.takeClosedSeconds(Date.now(), true), progress: this.progress() });
      this.scheduleSample();
    }, this.start.startMs + boundary * 1000 - Date.now());
  }

  private get lastSecond(): number {
    return Math.ceil((this.start.endMs - this.start.startMs) / 1000) - 1;
  }

  /** Failures become events, the first few per process in full: a storm of one cause needs one example. */
  private onBotFailed(bot: WeriftBot, error: Error): void {
    this.failed++;
    if (this.failed > maxFailureEvents) return;
    this.store.event({ atMs: Date.now() - this.start.startMs, kind: 'bot-failed', target: bot.peerId, ok: false, detail: error.message });
  }

  private harnessErrors = 0;

  applyNetwork(change: NetworkChange): void {
    this.routes.apply(change);
  }

  /**
   * Reconnect and churn steps, for the bots of this process (the change names every process's):
   * a reconnect now; churn leaves and rejoins at their run times, cancelled with the joins at the end.
   */
  applyClients(change: ClientChange): void {
    const byId = new Map(this.bots.map((bot) => [bot.options.id, bot]));
    applyClientChange(change, (id) => byId.get(id), this.start.startMs, this.joinTimers);
  }

  harnessError(detail: string): void {
    if (++this.harnessErrors > maxFailureEvents) return;
    this.store.event({ atMs: Date.now() - this.start.startMs, kind: 'harness-error', ok: false, detail: `fleet-${this.start.index}: ${detail}` });
  }

  private progress(): EngineProgress {
    return { connected: this.bots.filter((b) => b.state === 'connected').length, joined: this.joined, failed: this.failed };
  }

  /**
   * Moves one second's counts into the store. Gauges and harness samples are taken once per second
   * only: they are summed across processes, so a second shipped twice would count them twice.
   */
  private sampleSecond(second: number, withGauges: boolean): void {
    const at = this.start.startMs + second * 1000 + 500;
    const connected = new Map<string, number>();
    for (const bot of this.bots) {
      bot.sampleSecond(at);
      const { group } = bot.options;
      connected.set(group, (connected.get(group) ?? 0) + (bot.state === 'connected' ? 1 : 0));
    }
    if (!withGauges) return;
    for (const [group, n] of connected) this.store.gauge('bots_connected', n, group, at);
    this.probe.sample(at);
    this.sampledUpTo = second;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const stopAt = Date.now();
    this.stopSending();
    clearTimeout(this.sampleTimer);
    await sleep(drainMs);
    const second = Math.min(this.secondAt(stopAt), this.lastSecond);
    const withGauges = second > this.sampledUpTo;
    this.sampleSecond(second, withGauges);
    const progress = this.progress();
    for (const bot of this.bots) bot.close();
    await this.adapter?.close();
    await this.routes.close();
    this.probe.close();
    send({ type: 'stopped', second: withGauges ? second : null, buckets: this.store.takeAll(true), progress });
  }
}

// At once, in the second the run gives fleet processes to boot (warm-fetch.ts says why); a warm-up
// that fails only leaves that cost to the first bot that asks the directory.
void warmFetch().catch(() => undefined);

let fleet: FleetProcess | undefined;
process.on('message', (message: ToFleet) => {
  if (message.type === 'start' && !fleet) {
    // The bots' Opus clips are read now (from the disk cache the parent filled; encoded here only if
    // it could not write it: 0.3 s each), in the boot second, before the harness probe watches the event loop.
    ensureVoiceClips(message.bots.map((b) => b.audio));
    fleet = new FleetProcess(message);
    fleet.run().catch((error: Error) => {
      send({ type: 'fatal', message: error.message });
      endChild(childFailed);
    });
  } else if (message.type === 'network') {
    fleet?.applyNetwork(message.change);
  } else if (message.type === 'clients') {
    fleet?.applyClients(message.change);
  } else if (message.type === 'stop') {
    void (fleet?.stop() ?? Promise.resolve()).finally(() => process.disconnect?.());
  }
});
process.on('disconnect', () => endChild(0));
// A promise a bot left unhandled must not take down every other bot of the process: it is recorded.
process.on('unhandledRejection', (reason) => {
  fleet?.harnessError(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
});
process.on('uncaughtException', (error) => {
  send({ type: 'fatal', message: error.stack ?? error.message });
  endChild(childFailed);
});
