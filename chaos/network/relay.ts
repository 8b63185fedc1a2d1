/**
 * The userspace impairment relay: every relayed bot's transports get relay links (relay-link.ts)
 * in place of the server's ICE candidates, and the bot's impairment (impairment.ts) decides each
 * datagram; one timer queue holds every delayed datagram. A fleet process runs it in a worker
 * thread of its own (relay-thread.ts): packets never cross threads, and the bots' JavaScript
 * cannot hold a datagram up (bench/relay.ts measures both placements).
 */
import { keyOf } from './draws.js';
import { Impairment } from './impairment.js';
import type { NetworkChange } from '../../ports/network-control.js';
import type { DirectionProfiles } from '../../core/scenario/network-types.js';
import { ProfileStack } from './profile-stack.js';
import { RelayLink, type UdpAddress } from './relay-link.js';
import { TimerQueue } from './timer-queue.js';

/** Links opened for one transport: their relay ports, one per server candidate, in order. */
export interface RelayLinks {
  ports: number[];
  /** Where the bot's transport listens, for datagrams the server sends before the bot does. */
  expectBot(bot: UdpAddress): void;
  close(): void;
}

/** What a route needs of a relay, whether it runs in this thread or in a worker thread. */
export interface Relay {
  addBot(botId: number, base: DirectionProfiles): void;
  openLinks(botId: number, servers: UdpAddress[]): Promise<RelayLinks>;
  /** Names the stream an SSRC carries for this bot, in both directions (see Impairment.nameStream). */
  nameStream(botId: number, ssrc: number, name: string): void;
  apply(change: NetworkChange): void;
  close(): Promise<void>;
}

/** At most this many drops are logged per relay (about 60 MB of lines); the log says when it stopped. */
const dropLogLimit = 2_000_000;

class RelayedBot {
  readonly up: Impairment;
  readonly down: Impairment;
  readonly links = new Set<RelayLink>();

  constructor(seed: number, id: number, readonly profiles: ProfileStack, zeroMs: number) {
    this.up = new Impairment(keyOf(seed, id, 'up'), zeroMs);
    this.down = new Impairment(keyOf(seed, id, 'down'), zeroMs);
    this.refresh();
  }

  refresh(): void {
    this.up.setProfile(this.profiles.effective('up'));
    this.down.setProfile(this.profiles.effective('down'));
  }
}

export class ImpairmentRelay implements Relay {
  private readonly queue = new TimerQueue();
  private readonly bots = new Map<number, RelayedBot>();
  /** Server ports cut off, by the partition change that cut them. */
  private readonly partitions = new Map<string, ReadonlySet<number>>();
  /** `bot,direction,stream,rtpTimestamp,atMs,cause` per dropped media packet, when drops are logged. */
  private readonly dropLines: string[] | undefined;

  /** The run's 0 on this thread's performance.now() clock, which the links time packets with. */
  private readonly zeroMs: number;

  /** `startMs`: the run's 0 in epoch ms (traces are timed from it). */
  constructor(
    private readonly seed: number,
    startMs = performance.timeOrigin,
    logDrops = false,
  ) {
    this.zeroMs = startMs - performance.timeOrigin;
    this.dropLines = logDrops ? [] : undefined;
  }

  /** The drop log's lines (empty when drops are not logged). */
  drops(): readonly string[] {
    return this.dropLines ?? [];
  }

  /** `base`: the scenario's assignment, in effect outside impair steps. */
  addBot(botId: number, base: DirectionProfiles): void {
    const bot = new RelayedBot(this.seed, botId, new ProfileStack(base), this.zeroMs);
    const lines = this.dropLines;
    if (lines) {
      for (const direction of ['up', 'down'] as const) {
        bot[direction].onDrop = (stream, rtpTimestamp, runMs, cause) => {
          if (lines.length < dropLogLimit) lines.push(`${botId},${direction},${stream},${rtpTimestamp},${Math.round(runMs)},${cause}`);
        };
      }
    }
    this.bots.set(botId, bot);
  }

  private bot(botId: number): RelayedBot {
    const bot = this.bots.get(botId);
    if (!bot) throw new Error(`bot-${botId} is not relayed`);
    return bot;
  }

  async openLinks(botId: number, servers: UdpAddress[]): Promise<RelayLinks> {
    const bot = this.bot(botId);
    const links = await Promise.all(servers.map((server) => RelayLink.open(server, bot, this.queue)));
    for (const link of links) {
      link.partitioned = this.isPartitioned(link.server.port);
      bot.links.add(link);
    }
    return {
      ports: links.map((link) => link.port),
      expectBot: (address) => links.forEach((link) => link.expectBot(address)),
      close: () => {
        for (const link of links) {
          link.close();
          bot.links.delete(link);
        }
      },
    };
  }

  nameStream(botId: number, ssrc: number, name: string): void {
    const bot = this.bot(botId);
    bot.up.nameStream(ssrc, name);
    bot.down.nameStream(ssrc, name);
  }

  private isPartitioned(port: number): boolean {
    for (const ports of this.partitions.values()) if (ports.has(port)) return true;
    return false;
  }

  apply(change: NetworkChange): void {
    switch (change.kind) {
      case 'impair':
        for (const id of change.bots) {
          const bot = this.bots.get(id);
          bot?.profiles.push(change.id, change.profiles);
          bot?.refresh();
        }
        return;
      case 'partition':
        this.partitions.set(change.id, new Set(change.ports));
        return this.refreshPartitions();
      case 'end':
        for (const bot of this.bots.values()) if (bot.profiles.remove(change.id)) bot.refresh();
        if (this.partitions.delete(change.id)) this.refreshPartitions();
    }
  }

  private refreshPartitions(): void {
    for (const bot of this.bots.values()) for (const link of bot.links) link.partitioned = this.isPartitioned(link.server.port);
  }

  async close(): Promise<void> {
    this.queue.clear();
    for (const bot of this.bots.values()) for (const link of bot.links) link.close();
  }
}
