/**
 * Node loads fetch (undici) and compiles its HTTP parser on the first request: about 60 ms of CPU.
 * The first bot of a fleet process to ask the directory where its room is would count that as join
 * time, and hold up every other bot of the process meanwhile. So a fleet process makes one request
 * to a server of its own on loopback before its bots join, while the run is still starting.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function warmFetch(): Promise<void> {
  const server = createServer((_request, response) => response.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await response.arrayBuffer();
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
