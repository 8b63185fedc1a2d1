/**
 * Node's UDP handle under a node:dgram socket (libuv's, as Node 20, 22 and 24 keep it in the
 * socket's "state symbol"): the media planes read datagrams from it directly.
 */
import type { RemoteInfo, Socket } from 'node:dgram';

export interface UdpHandle {
  /** Called for each datagram; dgram's own onmessage emits 'message'. */
  onmessage: (nread: number, handle: unknown, data: Buffer, rinfo: RemoteInfo) => void;
  /** The socket's file descriptor (Unix). */
  fd: number;
  /** Stops libuv reading the socket: someone else drains it. */
  recvStop(): number;
}

export function udpHandle(socket: Socket): Partial<UdpHandle> | undefined {
  const state = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'state symbol');
  return state ? (socket as unknown as Record<symbol, { handle?: Partial<UdpHandle> } | undefined>)[state]?.handle : undefined;
}
