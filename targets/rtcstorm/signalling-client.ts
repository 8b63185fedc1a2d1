/** A client of the SFU signalling protocol (ports/rtcstorm-protocol.ts) for Node engines. */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Method, Notification, RequestData, Response, ResponseData } from '../../ports/rtcstorm-protocol.js';

export class SignallingError extends Error {
  constructor(readonly method: string, readonly code: string, message: string) {
    super(`${method}: ${code}: ${message}`);
  }
}

type NotificationEvents = { [N in Notification['notification']]: [Extract<Notification, { notification: N }>['data']] };

export interface SignallingClientEvents extends NotificationEvents {
  close: [];
}

export class SignallingClient extends EventEmitter<SignallingClientEvents> {
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve: (data: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    super();
    socket.on('message', (raw) => this.onMessage((raw as Buffer).toString()));
    socket.on('close', () => {
      for (const { method, reject } of this.pending.values()) reject(new SignallingError(method, 'closed', 'signalling socket closed'));
      this.pending.clear();
      this.emit('close');
    });
    socket.on('error', () => socket.terminate());
  }

  static connect(url: string, timeoutMs = 10_000): Promise<SignallingClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
      socket.once('open', () => resolve(new SignallingClient(socket)));
      socket.once('error', (error) => reject(new Error(`cannot open signalling socket ${url}: ${error.message}`)));
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  request<M extends Method>(method: M, data: RequestData<M>, timeoutMs = 10_000): Promise<ResponseData[M]> {
    const id = this.nextId++;
    return new Promise<ResponseData[M]>((resolve, reject) => {
      if (!this.open) {
        reject(new SignallingError(method, 'closed', 'signalling socket is not open'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignallingError(method, 'timeout', `no response in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as ResponseData[M]);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.send(JSON.stringify({ id, method, data }));
    });
  }

  close(): void {
    this.socket.close();
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as Response | Notification;
    if ('notification' in message) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- one emit() overload per notification: the union needs it
      this.emit(message.notification, message.data as never);
      return;
    }
    if (message.id === null) return;
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.ok) waiter.resolve(message.data);
    else waiter.reject(new SignallingError(waiter.method, message.error.code, message.error.message));
  }
}
