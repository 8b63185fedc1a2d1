/** The fleet process's side of the relay thread (relay-thread.ts): the Relay interface, as messages. */
import { Worker } from 'node:worker_threads';
import { compiledPath } from '../../core/paths.js';
import type { NetworkChange } from '../../ports/network-control.js';
import type { DirectionProfiles } from '../../core/scenario/network-types.js';
import type { UdpAddress } from './relay-link.js';
import type { Relay, RelayLinks } from './relay.js';

export type ToRelayThread =
  | { type: 'bot'; botId: number; profiles: DirectionProfiles }
  | { type: 'open'; request: number; botId: number; servers: UdpAddress[] }
  /** Closes the links opened by `request`. */
  | { type: 'close'; request: number }
  | { type: 'expect'; request: number; bot: UdpAddress }
  | { type: 'name'; botId: number; ssrc: number; name: string }
  | { type: 'change'; change: NetworkChange }
  | { type: 'stop' };

export type FromRelayThread = { type: 'opened'; request: number; ports: number[] } | { type: 'failed'; request: number; message: string };

export class RelayThread implements Relay {
  private readonly worker: Worker;
  /** Also when the thread failed: close() must not wait for an exit that already happened. */
  private readonly exited: Promise<unknown>;
  private nextRequest = 1;
  private readonly waiting = new Map<number, { resolve: (ports: number[]) => void; reject: (error: Error) => void }>();

  /** `onError`: the thread failed (the relayed bots then lose their media and recover or fail). */
  /** `startMs`: the run's 0 in epoch ms, where traces are timed from. */
  constructor(seed: number, startMs: number, onError: (error: Error) => void) {
    this.worker = new Worker(compiledPath('chaos/network/relay-thread.ts'), { workerData: { seed, startMs } });
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.on('message', (message: FromRelayThread) => {
      const waiter = this.waiting.get(message.request);
      this.waiting.delete(message.request);
      if (message.type === 'opened') waiter?.resolve(message.ports);
      else waiter?.reject(new Error(`relay: ${message.message}`));
    });
    this.worker.on('error', onError);
  }

  private send(message: ToRelayThread): void {
    this.worker.postMessage(message);
  }

  addBot(botId: number, profiles: DirectionProfiles): void {
    this.send({ type: 'bot', botId, profiles });
  }

  async openLinks(botId: number, servers: UdpAddress[]): Promise<RelayLinks> {
    const request = this.nextRequest++;
    const ports = await new Promise<number[]>((resolve, reject) => {
      this.waiting.set(request, { resolve, reject });
      this.send({ type: 'open', request, botId, servers });
    });
    return { ports, expectBot: (bot) => this.send({ type: 'expect', request, bot }), close: () => this.send({ type: 'close', request }) };
  }

  nameStream(botId: number, ssrc: number, name: string): void {
    this.send({ type: 'name', botId, ssrc, name });
  }

  apply(change: NetworkChange): void {
    this.send({ type: 'change', change });
  }

  /** Closes every link and ends the thread. */
  async close(): Promise<void> {
    this.send({ type: 'stop' });
    // The thread ends by itself once its sockets are closed; a stuck one is ended.
    const stuck = setTimeout(() => void this.worker.terminate(), 2000);
    await this.exited;
    clearTimeout(stuck);
  }
}
