/**
 * The signalling protocol between clients (bots, browsers, k6) and an SFU node: JSON over
 * WebSocket. Requests carry an `id` and get exactly one response with the same `id`; the server
 * also pushes notifications. The types here are shared by the server and every client engine.
 */
import { z } from 'zod';

/** Larger messages are refused by the socket itself (ws maxPayload). */
export const maxMessageBytes = 64 * 1024;

const id = z.string().min(1).max(128);
const json = z.record(z.string(), z.unknown());
/** Most ids one batched request takes (a room's producers, in practice). */
export const maxBatch = 256;

export const requestSchemas = {
  join: z.object({ roomId: id, peerId: id }).strict(),
  createTransport: z.object({ direction: z.enum(['send', 'recv']) }).strict(),
  connectTransport: z.object({ transportId: id, dtlsParameters: json }).strict(),
  produce: z.object({ transportId: id, kind: z.enum(['audio', 'video']), rtpParameters: json }).strict(),
  consume: z.object({ transportId: id, producerId: id, rtpCapabilities: json }).strict(),
  resumeConsumer: z.object({ consumerId: id }).strict(),
  /**
   * Several producers in one request, as a bot subscribing to a whole room does: one round trip, not one
   * each. Consumers start paused (mediasoup's usual flow: resume once the client is ready) unless
   * `paused: false`, for a client that has nothing to set up per consumer.
   */
  consumeMany: z.object({ transportId: id, producerIds: z.array(id).min(1).max(maxBatch), rtpCapabilities: json, paused: z.boolean().optional() }).strict(),
  resumeConsumers: z.object({ consumerIds: z.array(id).min(1).max(maxBatch) }).strict(),
  leave: z.object({}).strict(),
} as const;

export type Method = keyof typeof requestSchemas;
export type RequestData<M extends Method> = z.infer<(typeof requestSchemas)[M]>;

export interface ProducerInfo { peerId: string; producerId: string; kind: 'audio' | 'video' }

export interface TransportInfo {
  transportId: string;
  iceParameters: { usernameFragment: string; password: string; iceLite?: boolean };
  iceCandidates: Array<{ foundation: string; priority: number; address: string; ip?: string; protocol: 'udp' | 'tcp'; port: number; type: string; tcpType?: string }>;
  dtlsParameters: { role?: string; fingerprints: Array<{ algorithm: string; value: string }> };
}

export interface ResponseData {
  join: { nodeId: string; routerRtpCapabilities: Record<string, unknown>; producers: ProducerInfo[] };
  createTransport: TransportInfo;
  connectTransport: Record<string, never>;
  produce: { producerId: string };
  consume: { consumerId: string; producerId: string; kind: 'audio' | 'video'; rtpParameters: Record<string, unknown>; paused: boolean };
  resumeConsumer: Record<string, never>;
  /** Producers gone, or not consumable with the capabilities, are listed in `skipped` rather than failing the request. */
  consumeMany: { consumers: Array<ResponseData['consume']>; skipped: string[] };
  resumeConsumers: Record<string, never>;
  leave: Record<string, never>;
}

export interface Request<M extends Method = Method> { id: number; method: M; data: RequestData<M> }

export type ErrorCode = 'bad-request' | 'unknown-method' | 'not-joined' | 'not-found' | 'too-large' | 'room-full' | 'internal';

export type Response =
  | { id: number; ok: true; data: unknown }
  | { id: number | null; ok: false; error: { code: ErrorCode; message: string } };

export type Notification =
  | { notification: 'newProducer'; data: ProducerInfo }
  | { notification: 'producerClosed'; data: { producerId: string } }
  | { notification: 'peerLeft'; data: { peerId: string } };

const envelope = z.object({ id: z.number().int().nonnegative(), method: z.string(), data: z.unknown() }).strict();

export type ParsedRequest = { ok: true; request: Request } | { ok: false; id: number | null; code: ErrorCode; message: string };

/** Validates one raw message from a client; never throws. */
export function parseRequest(raw: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, id: null, code: 'bad-request', message: 'message is not JSON' };
  }
  const env = envelope.safeParse(value);
  if (!env.success) {
    return { ok: false, id: null, code: 'bad-request', message: `expected {id, method, data}: ${z.prettifyError(env.error)}` };
  }
  const { id: reqId, method, data } = env.data;
  if (!Object.hasOwn(requestSchemas, method)) {
    return { ok: false, id: reqId, code: 'unknown-method', message: `unknown method "${method}"; methods: ${Object.keys(requestSchemas).join(', ')}` };
  }
  const parsed = requestSchemas[method as Method].safeParse(data ?? {});
  if (!parsed.success) {
    return { ok: false, id: reqId, code: 'bad-request', message: `${method}: ${z.prettifyError(parsed.error)}` };
  }
  return { ok: true, request: { id: reqId, method: method as Method, data: parsed.data } };
}
