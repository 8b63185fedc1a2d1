/**
 * Serves the participant page on loopback. getUserMedia needs a secure context: an http page on
 * 127.0.0.1 is one, about:blank and file:// are not.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compiledPath } from '../../core/paths.js';

/** The page bundle `npm run build` writes (bots/browser/build-page.ts). */
export const pageBundlePath = compiledPath('bots/browser/page/main.ts');

const html = '<!doctype html><html><head><meta charset="utf-8"><title>rtcstorm participant</title><script src="/page.js"></script></head><body></body></html>';

export class PageServer {
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<PageServer> {
    if (!existsSync(pageBundlePath)) throw new Error(`browser page bundle missing: ${pageBundlePath} (run: npm run build)`);
    const bundle = readFileSync(pageBundlePath);
    const server = createServer((request, response) => {
      const [type, body] = request.url === '/' ? ['text/html', html] : request.url === '/page.js' ? ['text/javascript', bundle] : [];
      response.writeHead(type ? 200 : 404, type ? { 'content-type': `${type}; charset=utf-8` } : {});
      response.end(body);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return new PageServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
