/**
 * The cluster's directory, as a voice gateway: assigns each room to the least loaded live node,
 * hears every node's heartbeat, and moves a dead node's rooms to live ones. Clients ask it where a
 * room lives on every (re)join. HTTP + JSON on loopback; CORS open so browser pages can ask too.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface DirectoryNode { nodeId: string; url: string; alive: boolean; rooms: string[]; lastHeartbeatMs: number }

export interface RoomMove { roomId: string; from: string; to: string | null }

const heartbeatSchema = z.object({ nodeId: z.string().min(1).max(64), url: z.string().regex(/^wss?:\/\//) }).strict();

const maxBodyBytes = 4096;

interface NodeEntry { nodeId: string; url: string; alive: boolean; lastHeartbeatMs: number }

export class Directory {
  private readonly nodes = new Map<string, NodeEntry>();
  private readonly roomToNode = new Map<string, string>();
  private readonly watchdog: NodeJS.Timeout;
  /** Rooms moved off dead nodes, oldest first (for the report). */
  readonly moves: RoomMove[] = [];

  private constructor(private readonly server: Server, readonly url: string, private readonly heartbeatTimeoutMs: number) {
    this.watchdog = setInterval(() => this.expire(Date.now()), Math.max(100, heartbeatTimeoutMs / 4));
  }

  static async start(options: { heartbeatTimeoutMs?: number; port?: number } = {}): Promise<Directory> {
    let directory: Directory | undefined;
    const server = createServer((req, res) => void directory?.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    directory = new Directory(server, `http://127.0.0.1:${port}`, options.heartbeatTimeoutMs ?? 1500);
    return directory;
  }

  /** A node is alive from its first heartbeat until heartbeats stop or its process is known dead. */
  heartbeat(nodeId: string, url: string, now = Date.now()): void {
    const entry = this.nodes.get(nodeId);
    if (entry && entry.url === url) {
      entry.alive = true;
      entry.lastHeartbeatMs = now;
    } else {
      this.nodes.set(nodeId, { nodeId, url, alive: true, lastHeartbeatMs: now });
    }
  }

  /** The node's process is gone: do not wait for the heartbeat timeout. */
  markDead(nodeId: string): void {
    const entry = this.nodes.get(nodeId);
    if (!entry || !entry.alive) return;
    entry.alive = false;
    for (const [roomId, owner] of this.roomToNode) {
      if (owner !== nodeId) continue;
      const to = this.leastLoaded();
      if (to) this.roomToNode.set(roomId, to.nodeId);
      else this.roomToNode.delete(roomId);
      this.moves.push({ roomId, from: nodeId, to: to?.nodeId ?? null });
    }
  }

  /** Where a room lives; a new room goes to the live node with the fewest rooms. */
  locate(roomId: string): { nodeId: string; url: string } | undefined {
    const owner = this.nodes.get(this.roomToNode.get(roomId) ?? '');
    if (owner?.alive) return { nodeId: owner.nodeId, url: owner.url };
    const target = this.leastLoaded();
    if (!target) return undefined;
    this.roomToNode.set(roomId, target.nodeId);
    return { nodeId: target.nodeId, url: target.url };
  }

  list(): DirectoryNode[] {
    return [...this.nodes.values()].map((n) => ({ ...n, rooms: this.roomsOf(n.nodeId) }));
  }

  roomsOf(nodeId: string): string[] {
    return [...this.roomToNode].filter(([, owner]) => owner === nodeId).map(([roomId]) => roomId);
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private leastLoaded(): NodeEntry | undefined {
    const counts = new Map<string, number>();
    for (const owner of this.roomToNode.values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    return [...this.nodes.values()]
      .filter((n) => n.alive)
      .sort((a, b) => (counts.get(a.nodeId) ?? 0) - (counts.get(b.nodeId) ?? 0) || a.nodeId.localeCompare(b.nodeId))[0];
  }

  private expire(now: number): void {
    for (const entry of this.nodes.values()) if (entry.alive && now - entry.lastHeartbeatMs > this.heartbeatTimeoutMs) this.markDead(entry.nodeId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Content-Type', 'application/json');
    const url = new URL(req.url ?? '/', this.url);
    const reply = (status: number, body: unknown): void => void res.writeHead(status).end(JSON.stringify(body));
    const room = /^\/v1\/rooms\/([^/]{1,128})$/.exec(url.pathname);
    if (req.method === 'GET' && room) {
      const location = this.locate(decodeURIComponent(room[1]!));
      return location ? reply(200, location) : reply(503, { error: 'no live SFU node' });
    }
    if (req.method === 'GET' && url.pathname === '/v1/nodes') return reply(200, this.list());
    if (req.method === 'POST' && url.pathname === '/v1/heartbeat') {
      const body = await readBody(req);
      const parsed = heartbeatSchema.safeParse(body);
      if (!parsed.success) return reply(400, { error: z.prettifyError(parsed.error) });
      this.heartbeat(parsed.data.nodeId, parsed.data.url);
      return reply(200, {});
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Allow-Headers', 'content-type');
      return reply(204, {});
    }
    reply(404, { error: `no route ${req.method} ${url.pathname}; routes: GET /v1/rooms/<roomId>, GET /v1/nodes, POST /v1/heartbeat` });
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > maxBodyBytes) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
