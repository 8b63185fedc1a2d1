/**
 * The HTTP side of WHIP (RFC 9725) and WHEP: an SDP offer POSTed to an endpoint, the answer (201)
 * or, in WHEP, the server's own offer (406) with a `Location` for the session's resource; the
 * client's answer PATCHed there; DELETE to end. ICE servers come in `Link` headers.
 */
import { TargetError, type IceServer } from '../../ports/target-adapter.js';

export interface SdpReply {
  status: number;
  sdp: string;
  /** The session's resource, absolute (a relative Location is resolved against the endpoint). */
  resource: string;
  iceServers: IceServer[];
}

/** `Link: <stun:host:port>; rel="ice-server", <turn:…>; rel="ice-server"; username="u"; credential="p"` → ICE servers. */
export function iceServersOf(links: string | null): IceServer[] {
  if (!links) return [];
  const servers: IceServer[] = [];
  // Links are comma-separated; a comma inside <…> or quotes is not a separator.
  for (const link of links.match(/<[^>]*>(?:\s*;\s*[^;,=]+(?:=(?:"[^"]*"|[^;,]*))?)*/g) ?? []) {
    const uri = /^<([^>]*)>/.exec(link)?.[1];
    const params = new Map([...link.matchAll(/;\s*([^;=\s]+)\s*=\s*(?:"([^"]*)"|([^;,\s]*))/g)].map((m) => [m[1]!.toLowerCase(), m[2] ?? m[3] ?? '']));
    if (!uri || params.get('rel') !== 'ice-server' || !/^(stun|turns?):/.test(uri)) continue;
    const server: IceServer = { urls: uri };
    const username = params.get('username');
    const credential = params.get('credential');
    if (username !== undefined) server.username = username;
    if (credential !== undefined) server.credential = credential;
    servers.push(server);
  }
  return servers;
}

/** The server could not be reached (refused, reset, timed out): a subscriber tries again, a publisher's join fails with it. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

/** fetch, with a failure to reach the server named by method, URL and cause (fetch says only "fetch failed"). */
async function request(method: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, method });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new UnreachableError(`${method} ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
}

function headers(token: string | undefined, contentType?: string): Record<string, string> {
  return { ...(contentType ? { 'content-type': contentType } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

async function failure(response: Response, what: string): Promise<TargetError> {
  const text = (await response.text().catch(() => '')).trim().slice(0, 200);
  return new TargetError(response.status, `${what}: HTTP ${response.status}${text ? ` ${text}` : ''}`);
}

/** POSTs an offer; resolves with the answer (201) or the server's offer (406, WHEP), else throws the server's status. */
export async function postOffer(endpoint: string, offer: string, token: string | undefined, timeoutMs: number, accept406: boolean): Promise<SdpReply> {
  const response = await request('POST', endpoint, { headers: headers(token, 'application/sdp'), body: offer, signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 201 && !(accept406 && response.status === 406)) throw await failure(response, `POST ${endpoint}`);
  const location = response.headers.get('location');
  if (!location) throw new TargetError(response.status, `POST ${endpoint}: no Location header in the ${response.status} reply`);
  return { status: response.status, sdp: await response.text(), resource: new URL(location, endpoint).href, iceServers: iceServersOf(response.headers.get('link')) };
}

/** PATCHes the client's answer to a server offer (WHEP's 406 flow). */
export async function patchAnswer(resource: string, answer: string, token: string | undefined, timeoutMs: number): Promise<void> {
  const response = await request('PATCH', resource, { headers: headers(token, 'application/sdp'), body: answer, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw await failure(response, `PATCH ${resource}`);
  await response.arrayBuffer();
}

/** Ends a session; a server that is gone or already forgot it is not an error here. */
export async function deleteResource(resource: string, token: string | undefined, timeoutMs: number): Promise<void> {
  const response = await request('DELETE', resource, { headers: headers(token), signal: AbortSignal.timeout(timeoutMs) }).catch(() => undefined);
  await response?.arrayBuffer().catch(() => undefined);
}
