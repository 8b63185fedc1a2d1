/**
 * One SFU node: mediasoup workers (each with a WebRtcServer on 127.0.0.1), a router per room, and
 * the WebSocket signalling in ports/rtcstorm-protocol.ts. A bundled cluster runs several of these as processes.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { types } from 'mediasoup';
import { WebSocketServer, type WebSocket } from 'ws';
import { awaitExit } from '../core/processes.js';
import type { NodeStats } from '../ports/target-control.js';
import { loadMediasoup } from './mediasoup.js';
import { mediaCodecs } from './media-codecs.js';
import {
  maxMessageBytes,
  parseRequest,
  type ErrorCode,
  type Method,
  type Notification,
  type ProducerInfo,
  type Request,
  type RequestData,
  type Response,
  type ResponseData,
} from '../ports/rtcstorm-protocol.js';

export interface SfuNodeOptions {
  nodeId: string;
  workers: number;
  /** Signalling port; 0 picks a free one. */
  port: number;
  listenIp?: string;
}

export type { NodeStats, WorkerStats } from '../ports/target-control.js';

const workerExitGraceMs = 3000;

class ProtocolError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

interface WorkerSlot { id: string; worker: types.Worker; server: types.WebRtcServer; udpPorts: number[]; rooms: number }

async function startWorker(id: string, listenIp: string): Promise<WorkerSlot> {
  const mediasoup = await loadMediasoup();
  const worker = await mediasoup.createWorker({ logLevel: 'error' });
  const server = await worker.createWebRtcServer({ listenInfos: [{ protocol: 'udp', ip: listenIp }] });
  const { udpSockets } = await server.dump();
  return { id, worker, server, udpPorts: udpSockets.map((s) => s.port), rooms: 0 };
}

interface Peer {
  id: string;
  room: Room;
  socket: WebSocket;
  transports: Map<string, types.WebRtcTransport>;
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
}

interface Room { id: string; router: types.Router; slot: WorkerSlot; peers: Map<string, Peer> }

export class SfuNode {
  private readonly rooms = new Map<string, Room>();
  private readonly sockets = new Set<WebSocket>();
  private closed = false;

  private readonly emitter = new EventEmitter<{ workerDied: [string, Error] }>();

  private constructor(
    readonly nodeId: string,
    private readonly slots: WorkerSlot[],
    private readonly wss: WebSocketServer,
    readonly url: string,
    private readonly listenIp: string,
  ) {
    wss.on('connection', (socket) => this.accept(socket));
    for (const slot of slots) this.watchWorker(slot);
  }

  static async start(options: SfuNodeOptions): Promise<SfuNode> {
    const listenIp = options.listenIp ?? '127.0.0.1';
    const slots: WorkerSlot[] = [];
    for (let i = 0; i < options.workers; i++) slots.push(await startWorker(`${options.nodeId}/worker-${i}`, listenIp));
    // A larger socket limit than maxMessageBytes, so an oversized message gets an error reply.
    const wss = new WebSocketServer({ host: listenIp, port: options.port, maxPayload: 16 * maxMessageBytes });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const { port } = wss.address() as AddressInfo;
    return new SfuNode(options.nodeId, slots, wss, `ws://${listenIp}:${port}`, listenIp);
  }

  /**
   * A dead worker (kill-worker chaos, a crash) is replaced, as a real SFU would; its rooms' peers
   * are disconnected (their routers are gone) and rejoin, landing on a live worker.
   */
  private watchWorker(slot: WorkerSlot): void {
    slot.worker.on('died', (error) => {
      this.emitter.emit('workerDied', slot.id, error);
      if (this.closed) return;
      void startWorker(slot.id, this.listenIp).then(
        (fresh) => {
          if (this.closed) return void fresh.worker.close();
          slot.worker = fresh.worker;
          slot.server = fresh.server;
          slot.udpPorts = fresh.udpPorts;
          this.watchWorker(slot);
        },
        (startError: Error) => this.emitter.emit('workerDied', slot.id, startError),
      );
    });
  }

  onWorkerDied(listener: (workerId: string, error: Error) => void): void {
    this.emitter.on('workerDied', listener);
  }

  async stats(): Promise<NodeStats> {
    const peers = [...this.rooms.values()].flatMap((room) => [...room.peers.values()]);
    const sum = (f: (p: Peer) => number): number => peers.reduce((n, p) => n + f(p), 0);
    const workers = await Promise.all(
      this.slots.map(async (slot) => {
        // A worker that dies while asked (kill-worker chaos) reports no usage rather than failing the whole answer.
        const usage = slot.worker.closed ? { ru_utime: 0, ru_stime: 0 } : await slot.worker.getResourceUsage().catch(() => ({ ru_utime: 0, ru_stime: 0 }));
        const roomIds = [...this.rooms.values()].filter((room) => room.slot === slot).map((room) => room.id);
        return { workerId: slot.id, pid: slot.worker.pid, cpuMs: usage.ru_utime + usage.ru_stime, roomIds, udpPorts: slot.udpPorts };
      }),
    );
    return {
      nodeId: this.nodeId,
      pid: process.pid,
      processCpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      rssBytes: process.memoryUsage.rss(),
      rooms: this.rooms.size,
      peers: peers.length,
      transports: sum((p) => p.transports.size),
      producers: sum((p) => p.producers.size),
      consumers: sum((p) => p.consumers.size),
      workers,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const pids = this.slots.map((slot) => slot.worker.pid);
    for (const slot of this.slots) slot.worker.close();
    // close() only signals the worker processes: the node ends after them, so nothing outlives the run.
    await awaitExit(pids, workerExitGraceMs);
  }

  /** The mediasoup worker processes now. */
  get workerPids(): number[] {
    return this.slots.map((slot) => slot.worker.pid);
  }

  private accept(socket: WebSocket): void {
    this.sockets.add(socket);
    let peer: Peer | undefined;
    socket.on('message', (raw, isBinary) => {
      void this.onMessage(socket, raw, isBinary, peer, (joined) => (peer = joined));
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (peer) this.removePeer(peer);
    });
    socket.on('error', () => socket.terminate());
  }

  private async onMessage(
    socket: WebSocket,
    raw: import('ws').RawData,
    isBinary: boolean,
    peer: Peer | undefined,
    setPeer: (p: Peer) => void,
  ): Promise<void> {
    const bytes = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
    if (isBinary || bytes.length > maxMessageBytes) {
      send(socket, { id: null, ok: false, error: { code: isBinary ? 'bad-request' : 'too-large', message: isBinary ? 'binary messages are not accepted' : `message exceeds ${maxMessageBytes} bytes` } });
      return;
    }
    const parsed = parseRequest(bytes.toString('utf8'));
    if (!parsed.ok) {
      send(socket, { id: parsed.id, ok: false, error: { code: parsed.code, message: parsed.message } });
      return;
    }
    const { request } = parsed;
    try {
      if (request.method === 'join') {
        if (peer) throw new ProtocolError('bad-request', 'already joined');
        const joined = await this.join(socket, request as Request<'join'>);
        setPeer(joined.peer);
        send(socket, { id: request.id, ok: true, data: joined.response });
        return;
      }
      if (!peer) throw new ProtocolError('not-joined', `join a room before "${request.method}"`);
      send(socket, { id: request.id, ok: true, data: await this.handle(peer, request) });
    } catch (error) {
      const code = error instanceof ProtocolError ? error.code : 'internal';
      send(socket, { id: request.id, ok: false, error: { code, message: (error as Error).message } });
    }
  }

  private async join(socket: WebSocket, request: Request<'join'>): Promise<{ peer: Peer; response: ResponseData['join'] }> {
    const room = await this.room(request.data.roomId);
    if (room.peers.has(request.data.peerId)) throw new ProtocolError('bad-request', `peer "${request.data.peerId}" is already in room "${room.id}"`);
    const peer: Peer = { id: request.data.peerId, room, socket, transports: new Map(), producers: new Map(), consumers: new Map() };
    room.peers.set(peer.id, peer);
    const producers: ProducerInfo[] = [...room.peers.values()].flatMap((p) =>
      [...p.producers.values()].map((producer) => ({ peerId: p.id, producerId: producer.id, kind: producer.kind })),
    );
    return { peer, response: { nodeId: this.nodeId, routerRtpCapabilities: room.router.rtpCapabilities, producers } };
  }

  private readonly roomsStarting = new Map<string, Promise<Room>>();

  /** The room's router lives on the worker with the fewest rooms; concurrent joins share one creation. */
  private room(roomId: string): Promise<Room> {
    const existing = this.rooms.get(roomId);
    if (existing) return Promise.resolve(existing);
    let starting = this.roomsStarting.get(roomId);
    if (!starting) {
      starting = (async () => {
        const slot = this.slots.filter((s) => !s.worker.closed).sort((a, b) => a.rooms - b.rooms)[0];
        if (!slot) throw new ProtocolError('internal', 'no mediasoup worker is alive on this node');
        // Counted before the await, so rooms created at the same moment spread over the workers.
        slot.rooms++;
        const router = await slot.worker.createRouter({ mediaCodecs }).catch((error: Error) => {
          slot.rooms--;
          throw error;
        });
        const room: Room = { id: roomId, router, slot, peers: new Map() };
        router.on('workerclose', () => {
          for (const peer of room.peers.values()) peer.socket.close(4001, 'mediasoup worker died');
          this.dropRoom(room);
        });
        this.rooms.set(roomId, room);
        return room;
      })().finally(() => this.roomsStarting.delete(roomId));
      this.roomsStarting.set(roomId, starting);
    }
    return starting;
  }

  private async handle(peer: Peer, request: Request): Promise<unknown> {
    switch (request.method) {
      case 'createTransport':
        return this.createTransport(peer, request.data as RequestData<'createTransport'>);
      case 'connectTransport': {
        const data = request.data as RequestData<'connectTransport'>;
        await transportOf(peer, data.transportId).connect({ dtlsParameters: data.dtlsParameters as unknown as types.DtlsParameters });
        return {};
      }
      case 'produce':
        return this.produce(peer, request.data as RequestData<'produce'>);
      case 'consume':
        return this.consume(peer, request.data as RequestData<'consume'>);
      case 'consumeMany':
        return this.consumeMany(peer, request.data as RequestData<'consumeMany'>);
      case 'resumeConsumer':
        await consumerOf(peer, (request.data as RequestData<'resumeConsumer'>).consumerId).resume();
        return {};
      case 'resumeConsumers': {
        const consumers = (request.data as RequestData<'resumeConsumers'>).consumerIds.map((consumerId) => consumerOf(peer, consumerId));
        await Promise.all(consumers.map((consumer) => consumer.resume()));
        return {};
      }
      case 'leave':
        this.removePeer(peer);
        return {};
      default:
        throw new ProtocolError('unknown-method', `unknown method "${request.method satisfies Method}"`);
    }
  }

  private async createTransport(peer: Peer, data: RequestData<'createTransport'>): Promise<ResponseData['createTransport']> {
    const transport = await peer.room.router.createWebRtcTransport({
      webRtcServer: peer.room.slot.server,
      enableUdp: true,
      enableTcp: false,
      // Where a subscriber's downlink estimate starts (mediasoup's own demo's figure; the default is 600 kb/s).
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { direction: data.direction },
    });
    peer.transports.set(transport.id, transport);
    return {
      transportId: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  private async produce(peer: Peer, data: RequestData<'produce'>): Promise<ResponseData['produce']> {
    const transport = transportOf(peer, data.transportId);
    const producer = await transport.produce({ kind: data.kind, rtpParameters: data.rtpParameters as unknown as types.RtpParameters });
    peer.producers.set(producer.id, producer);
    producer.on('transportclose', () => peer.producers.delete(producer.id));
    this.notifyRoom(peer, { notification: 'newProducer', data: { peerId: peer.id, producerId: producer.id, kind: producer.kind } });
    return { producerId: producer.id };
  }

  private async consume(peer: Peer, data: RequestData<'consume'>, paused = true): Promise<ResponseData['consume']> {
    const transport = transportOf(peer, data.transportId);
    const rtpCapabilities = data.rtpCapabilities as unknown as types.RtpCapabilities;
    if (!peer.room.router.canConsume({ producerId: data.producerId, rtpCapabilities })) {
      throw new ProtocolError('not-found', `producer "${data.producerId}" does not exist in this room or cannot be consumed with the given capabilities`);
    }
    const consumer = await transport.consume({ producerId: data.producerId, rtpCapabilities, paused });
    peer.consumers.set(consumer.id, consumer);
    const forget = (): void => void peer.consumers.delete(consumer.id);
    consumer.on('transportclose', forget);
    consumer.on('producerclose', () => {
      forget();
      send(peer.socket, { notification: 'producerClosed', data: { producerId: data.producerId } });
    });
    return { consumerId: consumer.id, producerId: data.producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>, paused: consumer.paused };
  }

  private async consumeMany(peer: Peer, data: RequestData<'consumeMany'>): Promise<ResponseData['consumeMany']> {
    const { transportId, rtpCapabilities, paused = true } = data;
    transportOf(peer, transportId); // an unknown transport fails the request, not every producer in it
    const results = await Promise.all(
      data.producerIds.map((producerId) => this.consume(peer, { transportId, producerId, rtpCapabilities }, paused).catch((error: unknown) => {
        // A producer that closed since it was announced is routine in a churning room; anything else is not.
        if (error instanceof ProtocolError && error.code === 'not-found') return producerId;
        throw error;
      })),
    );
    return {
      consumers: results.filter((r): r is ResponseData['consume'] => typeof r !== 'string'),
      skipped: results.filter((r): r is string => typeof r === 'string'),
    };
  }

  private notifyRoom(from: Peer, message: Notification): void {
    for (const other of from.room.peers.values()) if (other !== from) send(other.socket, message);
  }

  private removePeer(peer: Peer): void {
    const { room } = peer;
    if (room.peers.get(peer.id) !== peer) return;
    room.peers.delete(peer.id);
    for (const transport of peer.transports.values()) transport.close();
    this.notifyRoom(peer, { notification: 'peerLeft', data: { peerId: peer.id } });
    if (room.peers.size === 0) {
      room.router.close();
      this.dropRoom(room);
    }
  }

  private dropRoom(room: Room): void {
    if (this.rooms.get(room.id) !== room) return;
    this.rooms.delete(room.id);
    room.slot.rooms = Math.max(0, room.slot.rooms - 1);
  }
}

function transportOf(peer: Peer, transportId: string): types.WebRtcTransport {
  const transport = peer.transports.get(transportId);
  if (!transport) throw new ProtocolError('not-found', `no transport "${transportId}" for this peer`);
  return transport;
}

function consumerOf(peer: Peer, consumerId: string): types.Consumer {
  const consumer = peer.consumers.get(consumerId);
  if (!consumer) throw new ProtocolError('not-found', `no consumer "${consumerId}"`);
  return consumer;
}

function send(socket: WebSocket, message: Response | Notification): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}
