/**
 * Where a room lives. A `ws(s)://` URL (or `ws+unix://`, a socket file) is one SFU instance and
 * serves every room; an `http(s)://` URL is a directory that assigns rooms to instances (and moves
 * them when one dies), asked again on every (re)join, as voice clients ask their gateway for a
 * voice server.
 */
export interface RoomLocation { url: string; nodeId: string | null }

export async function locateRoom(signallingUrl: string, roomId: string, timeoutMs: number): Promise<RoomLocation> {
  if (/^wss?(\+unix)?:\/\//.test(signallingUrl)) return { url: signallingUrl, nodeId: null };
  const response = await fetch(new URL(`/v1/rooms/${encodeURIComponent(roomId)}`, signallingUrl), { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await response.json()) as { url?: string; nodeId?: string; error?: string };
  if (!response.ok || !body.url) throw new Error(`directory has no node for room ${roomId}: ${body.error ?? response.status}`);
  return { url: body.url, nodeId: body.nodeId ?? null };
}
