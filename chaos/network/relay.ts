/**
 * The userspace impairment relay of one fleet process: every relayed bot's transports get relay
 * links (relay-link.ts) in place of the server's ICE candidates, and the bot's impairment
 * (impairment.ts) decides each datagram. Runs inside the fleet process: no IPC per packet, and one
 * timer queue for every delayed datagram of the process.
 */
import type { MediaPath, MediaRoute } from '../../bots/media-route.js';
import type { TransportInfo } from '../../target-server/protocol.js';
import { keyOf } from './draws.js';
import { Impairment } from './impairment.js';
import type { NetworkChange } from './network-change.js';
import { ProfileStack, type DirectionProfiles } from './profile-stack.js';
import { RelayLink, relayHost } from './relay-link.js';
import { TimerQueue } from './timer-queue.js';

class RelayedBot {
  readonly up: Impairment;
  readonly down: Impairment;
  readonly links = new Set<RelayLink>();

  constructor(seed: number, id: number, readonly profiles: ProfileStack) {
    this.up = new Impairment(keyOf(seed, id, 'up'));
    this.down = new Impairment(keyOf(seed, id, 'down'));
    this.refresh();
  }

  refresh(): void {
    this.up.setProfile(this.profiles.effective('up'));
    this.down.setProfile(this.profiles.effective('down'));
  }
}

export class ImpairmentRelay {
  private readonly queue = new TimerQueue();
  private readonly bots = new Map<number, RelayedBot>();
  /** Server ports cut off, by the partition change that cut them. */
  private readonly partitions = new Map<string, ReadonlySet<number>>();

  constructor(private readonly seed: number) {}

  /** The route of one bot, impaired with `base` (the scenario's assignment) outside impair steps. */
  route(botId: number, base: DirectionProfiles): MediaRoute {
    const bot = new RelayedBot(this.seed, botId, new ProfileStack(base));
    this.bots.set(botId, bot);
    return { reach: (url) => url, open: (transport) => this.open(bot, transport) };
  }

  private async open(bot: RelayedBot, transport: TransportInfo): Promise<MediaPath> {
    const candidates = transport.iceCandidates.filter((c) => c.protocol === 'udp');
    const links = await Promise.all(candidates.map((c) => RelayLink.open({ address: c.address ?? c.ip ?? '', port: c.port }, bot, this.queue)));
    for (const link of links) {
      link.partitioned = this.isPartitioned(link.server.port);
      bot.links.add(link);
    }
    return {
      transport: { ...transport, iceCandidates: candidates.map((c, i) => ({ ...c, address: relayHost, port: links[i]!.port })) },
      nameStream: (ssrc, name) => {
        bot.up.nameStream(ssrc, name);
        bot.down.nameStream(ssrc, name);
      },
      close: () => {
        for (const link of links) {
          link.close();
          bot.links.delete(link);
        }
      },
    };
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

  close(): void {
    this.queue.clear();
    for (const bot of this.bots.values()) for (const link of bot.links) link.close();
  }
}
