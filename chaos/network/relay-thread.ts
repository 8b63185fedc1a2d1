/**
 * A fleet process's relay in a worker thread (entry point): the sockets live here, so datagrams
 * are relayed by this thread's event loop, whatever the bots' thread is busy with. Only link
 * set-up, stream names and network changes cross threads, as messages (relay-thread-client.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { ImpairmentRelay, type RelayLinks } from './relay.js';
import type { FromRelayThread, ToRelayThread } from './relay-thread-client.js';

const { seed, startMs } = workerData as { seed: number; startMs: number };
// A diagnostic for replays: which media packets were dropped, per bot, direction and stream (docs/traces-and-imports.md).
const dropLogDir = process.env['RTCSTORM_DROP_LOG'];
const relay = new ImpairmentRelay(seed, startMs, dropLogDir !== undefined && dropLogDir !== '');

function writeDropLog(): void {
  if (!dropLogDir) return;
  mkdirSync(dropLogDir, { recursive: true });
  writeFileSync(join(dropLogDir, `drops-${process.pid}.csv`), ['bot,direction,stream,rtpTimestamp,atMs,cause', ...relay.drops()].join('\n') + '\n');
}
const opened = new Map<number, RelayLinks>();
const port = parentPort!;

function reply(message: FromRelayThread): void {
  port.postMessage(message);
}

port.on('message', (message: ToRelayThread) => {
  switch (message.type) {
    case 'bot':
      return relay.addBot(message.botId, message.profiles);
    case 'open':
      return void relay.openLinks(message.botId, message.servers).then(
        (links) => {
          opened.set(message.request, links);
          reply({ type: 'opened', request: message.request, ports: links.ports });
        },
        (error: Error) => reply({ type: 'failed', request: message.request, message: error.message }),
      );
    case 'close':
      opened.get(message.request)?.close();
      return void opened.delete(message.request);
    case 'expect':
      return opened.get(message.request)?.expectBot(message.bot);
    case 'name':
      return relay.nameStream(message.botId, message.ssrc, message.name);
    case 'change':
      return relay.apply(message.change);
    case 'stop':
      return void relay.close().then(() => {
        writeDropLog();
        port.close();
      });
  }
});
