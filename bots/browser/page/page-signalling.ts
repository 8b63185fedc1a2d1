/**
 * The SFU signalling protocol (target-server/protocol.ts) over the browser's own WebSocket, as a
 * real web client speaks it; bots/signalling-client.ts is the Node counterpart on `ws`.
 */
import type { Method, Notification, RequestData, Response, ResponseData } from '../../../target-server/protocol.js';

interface Waiter { method: string; resolve: (data: unknown) => void; reject: (error: Error) => void }

export class PageSignalling {
  onNotification: (notification: Notification) => void = () => undefined;
  /** The socket closed, by the server or the network (not by close()). */
  onClose: () => void = () => undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();

  private constructor(private readonly socket: WebSocket) {
    socket.onerror = null;
    socket.onmessage = (event) => this.onMessage(String(event.data));
    socket.onclose = () => {
      for (const { method, reject } of this.waiting.values()) reject(new Error(`${method}: signalling socket closed`));
      this.waiting.clear();
      this.onClose();
    };
  }

  static open(url: string, timeoutMs: number): Promise<PageSignalling> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`cannot open signalling socket ${url} in ${timeoutMs} ms`));
      }, timeoutMs);
      socket.onopen = () => {
        clearTimeout(timer);
        resolve(new PageSignalling(socket));
      };
      socket.onerror = () => {
        clearTimeout(timer);
        reject(new Error(`cannot open signalling socket ${url}`));
      };
    });
  }

  request<M extends Method>(method: M, data: RequestData<M>): Promise<ResponseData[M]> {
    if (this.socket.readyState !== WebSocket.OPEN) return Promise.reject(new Error(`${method}: signalling socket is not open`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { method, resolve: (value) => resolve(value as ResponseData[M]), reject });
      this.socket.send(JSON.stringify({ id, method, data }));
    });
  }

  close(): void {
    this.socket.onclose = null;
    this.socket.close();
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as Response | Notification;
    if ('notification' in message) return this.onNotification(message);
    const waiter = message.id === null ? undefined : this.waiting.get(message.id);
    if (!waiter || message.id === null) return;
    this.waiting.delete(message.id);
    if (message.ok) waiter.resolve(message.data);
    else waiter.reject(new Error(`${waiter.method}: ${message.error.code}: ${message.error.message}`));
  }
}
