/**
 * Janus's WebSocket API (subprotocol `janus-protocol`), one connection and one Janus session: requests
 * carry a transaction; Janus acks plugin messages, then sends the result as an event with the same
 * transaction (on `leave` the event can come before the ack, so nothing assumes the order). Events
 * without a transaction (a new publisher, a hangup) go to the handle's listener. Keepalives every 25 s
 * keep the session, which Janus ends after 60 s of silence.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { TargetError } from '../../ports/target-adapter.js';

export interface Jsep { type: 'offer' | 'answer'; sdp: string }

/** What Janus sends: `janus` says which kind of message it is. */
export interface JanusMessage {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id?: number; [key: string]: unknown };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: Jsep;
  error?: { code: number; reason: string };
  reason?: string;
  [key: string]: unknown;
}

const keepaliveMs = 25_000;

interface Pending { resolve: (message: JanusMessage) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }

/** Janus's error in a reply, as the core reports it or as a plugin does (`error_code` in its data). */
function errorOf(message: JanusMessage): TargetError | undefined {
  if (message.janus === 'error' && message.error) return new TargetError(message.error.code, message.error.reason);
  const data = message.plugindata?.data;
  if (data && typeof data.error_code === 'number') return new TargetError(data.error_code, typeof data.error === 'string' ? data.error : 'plugin error');
  return undefined;
}

export class JanusConnection extends EventEmitter<{ event: [JanusMessage]; closed: [string] }> {
  private nextTransaction = 1;
  private readonly pending = new Map<string, Pending>();
  private keepalive: NodeJS.Timeout | undefined;
  sessionId = 0;
  private closing = false;

  private constructor(private readonly socket: WebSocket, private readonly timeoutMs: number) {
    super();
    socket.on('message', (raw) => this.onMessage(JSON.parse((raw as Buffer).toString()) as JanusMessage));
    socket.on('close', () => this.ended('Janus signalling socket closed'));
    socket.on('error', () => socket.terminate());
  }

  /** Opens a connection (`ws://`, or `ws+unix:///path/to.sock:/` for a socket file) and a session on it. */
  static async open(url: string, timeoutMs: number): Promise<JanusConnection> {
    const socket = new WebSocket(url, 'janus-protocol', { handshakeTimeout: timeoutMs });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', (error) => reject(new Error(`cannot open Janus signalling ${url}: ${error.message}`)));
    });
    const connection = new JanusConnection(socket, timeoutMs);
    try {
      const created = await connection.request({ janus: 'create' });
      connection.sessionId = Number(created.data?.id);
      // Janus answers a keepalive with an ack alone: nothing to wait for.
      connection.keepalive = setInterval(() => connection.send({ janus: 'keepalive', session_id: connection.sessionId, transaction: 'keepalive' }), keepaliveMs);
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends a request; resolves with its reply: the first message with its transaction that is not an ack. */
  request(body: Record<string, unknown>): Promise<JanusMessage> {
    const transaction = `t${this.nextTransaction++}`;
    return new Promise((resolve, reject) => {
      if (!this.open) return reject(new Error('Janus signalling socket is not open'));
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`Janus did not answer ${String(body.janus)}${body.body ? ` ${String((body.body as { request?: string }).request)}` : ''} in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(transaction, { resolve, reject, timer });
      this.socket.send(JSON.stringify({ ...body, transaction }));
    });
  }

  private send(body: Record<string, unknown>): void {
    if (this.open) this.socket.send(JSON.stringify(body));
  }

  /** Attaches the VideoRoom plugin: a new handle of this session. */
  async attach(plugin: string): Promise<number> {
    const reply = await this.request({ janus: 'attach', session_id: this.sessionId, plugin });
    return Number(reply.data?.id);
  }

  /** A plugin request on `handle` (with a JSEP when negotiating); throws Janus's error as a TargetError. */
  async message(handle: number, body: Record<string, unknown>, jsep?: Jsep): Promise<JanusMessage> {
    const reply = await this.request({ janus: 'message', session_id: this.sessionId, handle_id: handle, body, ...(jsep ? { jsep } : {}) });
    const error = errorOf(reply);
    if (error) throw error;
    return reply;
  }

  private onMessage(message: JanusMessage): void {
    const waiting = message.transaction ? this.pending.get(message.transaction) : undefined;
    if (message.janus === 'ack' && !message.plugindata) return;
    if (waiting) {
      this.pending.delete(message.transaction!);
      clearTimeout(waiting.timer);
      const error = message.janus === 'error' ? errorOf(message) : undefined;
      return error ? waiting.reject(error) : waiting.resolve(message);
    }
    if (message.janus === 'timeout') return this.ended('Janus session timed out');
    this.emit('event', message);
  }

  private ended(reason: string): void {
    clearInterval(this.keepalive);
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(new Error(reason));
    }
    this.pending.clear();
    if (!this.closing) this.emit('closed', reason);
    this.closing = true;
  }

  /** Ends the session and closes the socket; idempotent. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.keepalive);
    if (this.sessionId) this.send({ janus: 'destroy', session_id: this.sessionId, transaction: 'bye' });
    this.socket.close();
  }
}
