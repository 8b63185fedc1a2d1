/**
 * The Node side of one browser participant (one page): a participant of the target's adapter
 * (ports/target-adapter.ts) whose peer connections live in the page, driven there step by step in
 * SDP; it accounts the frames the page ships exactly as a werift bot accounts its packets
 * (StreamReceiver), and samples the page's getStats() every second. When it loses the target (the
 * adapter says it was dropped, a connection failed, or silence from everyone it receives for longer
 * than the media timeout, which is how a paused or partitioned node shows) it rejoins as a werift
 * bot does (bots/recovery.ts), through the adapter again. A page that crashes or hangs, or a join
 * that fails, fails the participant for good.
 */
import { EventEmitter } from 'node:events';
import type { Page } from 'puppeteer-core';
import type { MetricStore } from '../../core/metrics/store.js';
import type { IceServer, Participant, ParticipantConnection, RemoteStream, TargetAdapter, TargetSession } from '../../ports/target-adapter.js';
import type { RecoverySpec } from '../../core/scenario/index.js';
import { peerIdOf, roomName, type BotPlan } from '../../core/plan/plan.js';
import { hostNowMs } from '../clock.js';
import { iceServerUse, reportIceServers } from '../ice-servers.js';
import type { PayloadStamp } from '../media-payload.js';
import { Recovery } from '../recovery.js';
import { StreamReceiver } from '../stream-receiver.js';
import { withTimeout } from '../with-timeout.js';
import type { Chromium } from './chromium.js';
import { bindings, frameFields, type FrameBatch, type PageApi, type PageStart, type PageStats } from './page-api.js';
import type { Usage } from './process-usage.js';
import { PageStatsDeltas, type StatsSample } from './stats-samples.js';

export interface BrowserParticipantOptions {
  plan: BotPlan;
  roomId: string;
  /** The target's signalling, in the run process: the page's connections are driven through it. */
  adapter: TargetAdapter;
  store: MetricStore;
  joinTimeoutMs: number;
  recovery: RecoverySpec;
  /** Seeded per participant: backoff jitter is part of the replayable run. */
  random: () => number;
  /** Whether the run keeps every packet on the host (a loopback target): ICE servers a target names elsewhere are not asked. */
  targetOnLoopback: boolean;
}

/** `away`: out of the room by a churn step, until `rejoining`; neither is a failure. */
export type ParticipantState = 'idle' | 'joining' | 'connected' | 'recovering' | 'away' | 'rejoining' | 'failed' | 'closed';

const opusClockRate = 48000;
const batchIntervalMs = 200;
/** A page that has not answered a getStats() call for this long is hung. */
const hangTimeoutMs = 5_000;
const leaveTimeoutMs = 3_000;

/**
 * The page's global scope, for functions that page.evaluate() serializes and runs in the page:
 * they can refer to nothing from this module, so each casts globalThis itself.
 */
type PageGlobal = { rtcstorm: PageApi };

export class BrowserParticipant extends EventEmitter<{ failed: [string] }> implements Participant {
  state: ParticipantState = 'idle';
  /** Chromium's receive path is its own: each stream is negotiated as the target offers it. */
  readonly takesEveryStream = false;
  /** Whether it ever completed joining. */
  joined = false;
  private page: Page | undefined;
  private readonly receiver: StreamReceiver;
  /** Who sends each audio stream the target said this participant receives (rtcstorm's peer ids name the bot). */
  private readonly sendersBySsrc = new Map<number, number>();
  /** Left the room by a churn or reconnect step and not back yet. */
  private leftByStep = false;
  /** The run took its last sample of this participant (`sampleSecond(…, last)`): frames shipped after it are not counted. */
  private sampledLast = false;
  private readonly recovery: Recovery;
  private readonly deltas = new PageStatsDeltas();
  private readonly stamp: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
  private sentThisSecond = 0;
  /** A loss the rejoined session reported before the rejoin was done. */
  private lostWhileRejoining: string | undefined;
  /** A churn leave that came while the participant was still rejoining from the previous one, and whether its rejoin came too. */
  private churnWhenBack: { rejoin: boolean } | undefined;
  /** Audio streams the adapter says the page receives now, by SSRC. */
  private readonly audioStreams = new Set<number>();
  /** When the page last joined or began to receive an audio stream: silence is measured from here or the last frame. */
  private subscribedAtMs = 0;
  /** The adapter's session in the room now, and the page's connections in it. */
  private session: TargetSession | undefined;
  private connectionIds: number[] = [];
  private publishConnection: number | undefined;
  private nextConnection = 1;
  /** When the pending getStats() call started; undefined when none is pending. */
  private statsAskedAt: number | undefined;

  constructor(readonly options: BrowserParticipantOptions) {
    super();
    const { store, plan, recovery } = options;
    this.recovery = new Recovery(recovery, options.random, store, plan.group, roomName(plan.room));
    this.receiver = new StreamReceiver({
      store,
      group: plan.group,
      room: roomName(plan.room),
      clockRateHz: opusClockRate,
      gapThresholdMs: recovery.gapThresholdMs,
      onMedia: (arrivalMs) => this.state === 'connected' && this.recovery.mediaBack(arrivalMs),
    });
  }

  get peerId(): string {
    return peerIdOf(this.options.plan);
  }

  /** Opens the participant's page in `browser` and starts its capture; it joins later, at its planned time. */
  async open(browser: Chromium, pageUrl: string): Promise<void> {
    const page = await browser.newPage();
    this.page = page;
    page.on('error', (error) => this.fail(`page crashed: ${error.message}`));
    await page.exposeFunction(bindings.frames, (batch: FrameBatch) => this.onFrames(batch));
    await page.exposeFunction(bindings.failed, (reason: string) => this.lost(reason));
    await page.goto(pageUrl);
    const { plan } = this.options;
    const start: PageStart = { senderId: plan.id, audio: plan.audio, video: plan.video, batchIntervalMs };
    await page.evaluate((c) => (globalThis as unknown as PageGlobal).rtcstorm.start(c), start);
  }

  async join(): Promise<void> {
    const { plan, store } = this.options;
    if (this.state !== 'idle' || !this.page) return;
    this.state = 'joining';
    const startedAt = hostNowMs();
    try {
      await this.joinTarget('join');
    } catch (error) {
      this.fail(`join: ${(error as Error).message}`);
      return;
    }
    if (this.state !== 'joining') return;
    this.state = 'connected';
    this.subscribedAtMs = hostNowMs();
    this.joined = true;
    store.record('join_time_ms', hostNowMs() - startedAt, plan.group);
    store.count('bots_joined', 1, plan.group);
  }

  /** Joins the room through the adapter, then waits for the page's publishing connection. */
  private joinTarget(what: string): Promise<void> {
    const { joinTimeoutMs, roomId, adapter } = this.options;
    const joining = async (): Promise<void> => {
      this.session = await adapter.join(this, { roomId, publish: true, timeoutMs: joinTimeoutMs, reach: (url) => url });
      const id = this.publishConnection;
      if (id !== undefined) await this.page!.evaluate((i, t) => (globalThis as unknown as PageGlobal).rtcstorm.connected(i, t), id, joinTimeoutMs);
    };
    return withTimeout(joining(), joinTimeoutMs, what);
  }

  /** Leaves the room: the adapter's session, then the page's connections (media stops, the last frames come). */
  private async leaveTarget(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.connectionIds = [];
    this.publishConnection = undefined;
    this.audioStreams.clear();
    await session?.leave().catch(() => undefined);
    await withTimeout(this.page!.evaluate(() => (globalThis as unknown as PageGlobal).rtcstorm.leave()), leaveTimeoutMs, 'leave');
  }

  /** What the page publishes: its microphone, and its camera when the group has video. */
  get publishes(): Array<'audio' | 'video'> {
    return this.options.plan.video ? ['audio', 'video'] : ['audio'];
  }

  /** Chromium decodes both. */
  readonly receives: Array<'audio' | 'video'> = ['audio', 'video'];

  /** A peer connection in the page, as the adapter asks for one. */
  openConnection(purpose: 'publish' | 'subscribe'): ParticipantConnection {
    const page = this.page!;
    const id = this.nextConnection++;
    this.connectionIds.push(id);
    if (purpose === 'publish') this.publishConnection = id;
    const opened = page.evaluate((i, p) => (globalThis as unknown as PageGlobal).rtcstorm.openConnection(i, p), id, purpose);
    const call = async <T>(run: () => Promise<T>): Promise<T> => {
      await opened;
      return run();
    };
    return {
      createOffer: (media) => call(() => page.evaluate((i, m) => (globalThis as unknown as PageGlobal).rtcstorm.createOffer(i, m), id, media)),
      acceptAnswer: (answer) => call(() => page.evaluate((i, a) => (globalThis as unknown as PageGlobal).rtcstorm.acceptAnswer(i, a), id, answer)),
      createAnswer: (offer) => call(() => page.evaluate((i, o) => (globalThis as unknown as PageGlobal).rtcstorm.createAnswer(i, o), id, offer)),
      applyAnswer: () => call(() => page.evaluate((i) => (globalThis as unknown as PageGlobal).rtcstorm.applyAnswer(i), id)),
      receiving: (stream: RemoteStream) => {
        if (stream.kind !== 'audio') return;
        this.audioStreams.add(stream.ssrc);
        // The page's frames carry the sender's stamp, not the SSRC: its end is told by sender.
        const sender = /^(?:bot|browser)-(\d+)$/.exec(stream.peerId);
        if (sender) this.sendersBySsrc.set(stream.ssrc, Number(sender[1]));
        this.subscribedAtMs = hostNowMs();
      },
      ended: (ssrc) => {
        this.audioStreams.delete(ssrc);
        const sender = this.sendersBySsrc.get(ssrc);
        this.sendersBySsrc.delete(ssrc);
        if (sender !== undefined) this.receiver.senderEnded(sender);
      },
      useIceServers: (servers) => void call(() => this.useIceServers(page, id, purpose, servers)).catch(() => undefined),
      close: () => void page.evaluate((i) => (globalThis as unknown as PageGlobal).rtcstorm.closeConnection(i), id).catch(() => undefined),
    };
  }

  /** Servers elsewhere are left out here; the page says whether its connection could still take the rest. */
  private async useIceServers(page: Page, id: number, purpose: 'publish' | 'subscribe', servers: IceServer[]): Promise<void> {
    if (servers.length === 0) return;
    const { store, targetOnLoopback } = this.options;
    const usable = iceServerUse(servers, purpose, { onHost: targetOnLoopback, gathered: false }).use;
    const taken = usable.length === 0 || (await page.evaluate((i, s) => (globalThis as unknown as PageGlobal).rtcstorm.useIceServers(i, s), id, usable));
    reportIceServers(store, this.peerId, iceServerUse(servers, purpose, { onHost: targetOnLoopback, gathered: !taken }));
  }

  /** The target dropped the participant (its signalling closed, its session expired). */
  dropped(reason: string): void {
    this.lost(reason);
  }

  /**
   * The page lost its connection: a connected participant rejoins; one still joining fails its
   * join. While rejoining, only the new session can report (after its join resolved in the page,
   * before the rejoin is done here): it is lost again as soon as the rejoin is done.
   */
  private lost(reason: string): void {
    // Away by churn: what its closing connections say is its own leaving.
    if (this.state === 'away') return;
    if (this.state === 'recovering' || this.state === 'rejoining') return void (this.lostWhileRejoining = reason);
    if (this.state !== 'connected') return this.fail(reason);
    void this.recover(reason);
  }

  /**
   * A reconnect step: closes the page's connections and signalling at once and rejoins with the
   * backoff, as after an outage. Induced, so not a failure; recovery_time_ms is measured as for one,
   * rejoin_time_ms from the drop. False when the participant is not in the room.
   */
  reconnect(): boolean {
    if (this.state !== 'connected') return false;
    const { store, plan } = this.options;
    store.count('reconnects', 1, plan.group);
    void this.recover('reconnect step', { droppedAtMs: hostNowMs() });
    return true;
  }

  /**
   * A churn leave: the page leaves the room until rejoin(), as a user who hangs up; not a failure.
   * One still rejoining from an earlier leave leaves as soon as it is back (and a rejoin asked
   * meanwhile then follows at once). False when not in the room: then it neither leaves nor rejoins.
   */
  leaveRoom(): boolean {
    if (this.state === 'rejoining') {
      this.churnWhenBack = { rejoin: false };
      return true;
    }
    if (this.state !== 'connected' || !this.page) return false;
    this.state = 'away';
    this.leftByStep = true;
    this.receiver.endAll();
    this.options.store.count('churn_leaves', 1, this.options.plan.group);
    void this.leaveTarget().catch(() => undefined);
    return true;
  }

  /** Back from a churn leave: joins at once; a join the target refuses is recovered from as a failure. */
  async rejoin(): Promise<void> {
    if (this.state === 'rejoining' && this.churnWhenBack) return void (this.churnWhenBack.rejoin = true);
    if (this.state !== 'away') return;
    const { store, plan } = this.options;
    this.state = 'rejoining';
    const startedAt = hostNowMs();
    try {
      await this.joinTarget('rejoin after a churn leave');
    } catch (error) {
      this.churnWhenBack = undefined;
      if ((this.state as ParticipantState) === 'rejoining') void this.recover(`rejoin after a churn leave: ${(error as Error).message}`);
      return;
    }
    if ((this.state as ParticipantState) !== 'rejoining') return;
    this.state = 'connected';
    this.leftByStep = false;
    this.subscribedAtMs = hostNowMs();
    store.count('churn_joins', 1, plan.group);
    store.record('rejoin_time_ms', hostNowMs() - startedAt, plan.group);
    const again = this.lostWhileRejoining;
    this.lostWhileRejoining = undefined;
    const next = this.churnWhenBack;
    this.churnWhenBack = undefined;
    if (next) {
      if (this.leaveRoom() && next.rejoin) void this.rejoin();
      return;
    }
    if (again) this.lost(again);
  }

  /** `induced`: a reconnect step dropped the participant at `droppedAtMs`, not the target. */
  private async recover(reason: string, induced?: { droppedAtMs: number }): Promise<void> {
    this.state = 'recovering';
    this.recovery.failed(this.receiver.lastArrivalMs, { induced: induced !== undefined });
    if (induced) {
      this.leftByStep = true;
      this.receiver.endAll();
    }
    await this.leaveTarget().catch(() => undefined);
    const rejoined = await this.recovery.retry(
      () => this.state !== 'recovering',
      () => this.joinTarget(`rejoin after "${reason}"`).catch(async (error: unknown) => {
        await this.leaveTarget().catch(() => undefined);
        throw error;
      }),
    );
    if (!rejoined || this.state !== 'recovering') return;
    this.state = 'connected';
    this.leftByStep = false;
    this.subscribedAtMs = hostNowMs();
    if (induced) this.options.store.record('rejoin_time_ms', hostNowMs() - induced.droppedAtMs, this.options.plan.group);
    const again = this.lostWhileRejoining;
    this.lostWhileRejoining = undefined;
    if (again) this.lost(again);
  }

  private onFrames(batch: FrameBatch): void {
    // After the run's last sample, nothing more is counted: a late batch would add latency samples whose packets no second counts.
    if (this.state === 'failed' || this.sampledLast) return;
    this.sentThisSecond += batch.sent;
    // Out of the room by a step (churn, reconnect) until back: frames the old session's page still ships are not counted.
    if (this.leftByStep) return;
    const { frames } = batch;
    for (let i = 0; i + frameFields <= frames.length; i += frameFields) {
      this.stamp.senderId = frames[i]!;
      this.stamp.seq = frames[i + 1]!;
      this.stamp.sentAtMs = frames[i + 2]!;
      this.receiver.onStamp(this.stamp, frames[i + 4]!, frames[i + 3]!);
    }
  }

  /**
   * Silence from every audio stream the page consumes, for longer than the media timeout, is a lost
   * connection, as for a werift bot: Chromium itself notices a paused node only when ICE consent
   * expires (30 s). Called by the engine a few times a second (bots/media-watch.ts).
   */
  checkMedia(nowMs: number): void {
    if (this.state !== 'connected' || this.audioStreams.size === 0) return;
    const heardAt = Math.max(this.receiver.lastArrivalMs, this.subscribedAtMs);
    if (nowMs - heardAt > this.options.recovery.mediaTimeoutMs) this.lost(`no media for ${Math.round(nowMs - heardAt)} ms`);
  }

  /**
   * Moves this second's counts into the store; with `withStats`, also asks the page for its
   * getStats(); `last`: the run's final sample, after which nothing more is counted. Resolves true
   * when the page answered, false when it was due to and did not (its previous answer still
   * pending, or the call failed); undefined when nothing was due.
   */
  sampleSecond(atMs: number, withStats: boolean, last = false): Promise<boolean> | undefined {
    const { store, plan } = this.options;
    if (this.sentThisSecond > 0) store.count('packets_sent', this.sentThisSecond, plan.group, atMs);
    this.sentThisSecond = 0;
    this.receiver.sampleSecond(atMs);
    if (last) this.sampledLast = true;
    return withStats ? this.sampleStats(atMs) : undefined;
  }

  private sampleStats(atMs: number): Promise<boolean> | undefined {
    const page = this.page;
    if (this.state !== 'connected' || !page) return undefined;
    const now = Date.now();
    if (this.statsAskedAt !== undefined) {
      if (now - this.statsAskedAt > hangTimeoutMs) this.fail(`page not responding for ${now - this.statsAskedAt} ms`);
      return Promise.resolve(false);
    }
    this.statsAskedAt = now;
    return page
      .evaluate(() => (globalThis as unknown as PageGlobal).rtcstorm.stats())
      .then((stats: PageStats) => {
        if (this.state === 'connected') this.recordStats(this.deltas.next(stats), atMs);
        return true;
      })
      // A page that is gone is reported by its crash or its browser's exit; a hung one never settles.
      .catch(() => false)
      .finally(() => (this.statsAskedAt = undefined));
  }

  private recordStats(samples: StatsSample[], atMs: number): void {
    const { store, plan } = this.options;
    for (const sample of samples) {
      if ('value' in sample) store.record(sample.metric, sample.value, plan.group, atMs);
      else store.count(sample.metric, sample.count, plan.group, atMs);
    }
  }

  /** This participant's share of its browser's CPU and memory. */
  recordUsage(share: Usage, atMs: number): void {
    const { store, plan } = this.options;
    store.record('browser_cpu_percent', share.cpuPercent, plan.group, atMs);
    store.record('browser_memory_mb', share.memoryMb, plan.group, atMs);
  }

  /** The end of the run: stops media and takes the page's last frames, or gives up joining or rejoining (no failure). */
  async leave(): Promise<void> {
    const { page, state } = this;
    if (state === 'failed' || state === 'closed') return;
    this.state = 'closed';
    if (state !== 'connected' || !page) return;
    await this.leaveTarget().catch(() => undefined);
  }

  /** Counted once, whenever it happens: before, during or after joining. */
  fail(reason: string): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    const { store, plan } = this.options;
    this.state = 'failed';
    store.count('bots_failed', 1, plan.group);
    store.event({ atMs: Date.now() - store.startMs, kind: 'browser-failed', target: this.peerId, ok: false, detail: reason });
    // Closing the page drops its connections, so the room sees the participant leave.
    void this.page?.close().catch(() => undefined);
    this.emit('failed', reason);
  }
}
