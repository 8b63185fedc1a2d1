/**
 * One relay socket between one bot transport and one server candidate. The bot is told the
 * socket's address instead of the server's, so the server sees a 5-tuple of its own per bot
 * transport; datagrams from the server go down to the bot, everything else goes up to the server.
 * A full-ICE server is told the socket's address instead of the bot's, so its own checks come
 * through here too.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Impairment } from './impairment.js';
import type { TimerQueue } from './timer-queue.js';

export const relayHost = '127.0.0.1';

export interface UdpAddress { address: string; port: number }

/** The bot's two directions; shared by all its links, as one access link would be. */
export interface LinkImpairments { up: Impairment; down: Impairment }

export class RelayLink {
  private bot: UdpAddress | undefined;
  private closed = false;
  /** Set by the relay while a partition cuts the path to this link's server. */
  partitioned = false;

  private constructor(
    private readonly socket: Socket,
    readonly server: UdpAddress,
    private readonly impairments: LinkImpairments,
    private readonly queue: TimerQueue,
  ) {
    socket.on('message', (packet, from) => this.onMessage(packet, from));
    // An ICMP error from a closed peer must not end the fleet process.
    socket.on('error', () => undefined);
  }

  static open(server: UdpAddress, impairments: LinkImpairments, queue: TimerQueue): Promise<RelayLink> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, relayHost, () => {
        socket.off('error', reject);
        resolve(new RelayLink(socket, server, impairments, queue));
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The bot's socket, before it sends: a server that checks first (full ICE, controlling) reaches it. */
  expectBot(bot: UdpAddress): void {
    this.bot ??= bot;
  }

  private onMessage(packet: Buffer, from: RemoteInfo): void {
    const down = from.port === this.server.port && from.address === this.server.address;
    if (!down) this.bot = { address: from.address, port: from.port };
    const to = down ? this.bot : this.server;
    if (!to) return;
    const now = performance.now();
    const { copies, atMs } = (down ? this.impairments.down : this.impairments.up).decide(packet, now, this.partitioned);
    for (let copy = 0; copy < copies; copy++) {
      if (atMs <= now) this.send(packet, to);
      else this.queue.at(atMs, () => this.send(packet, to));
    }
  }

  private send(packet: Buffer, to: UdpAddress): void {
    if (!this.closed) this.socket.send(packet, to.port, to.address);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
