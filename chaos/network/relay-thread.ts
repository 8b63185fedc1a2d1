/**
 * A fleet process's relay in a worker thread (entry point): the sockets live here, so datagrams
 * are relayed by this thread's event loop, whatever the bots' thread is busy with. Only link
 * set-up, stream names and network changes cross threads, as messages (relay-thread-client.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ImpairmentRelay, type RelayLinks } from './relay.js';
import type { FromRelayThread, ToRelayThread } from './relay-thread-client.js';

const relay = new ImpairmentRelay((workerData as { seed: number }).seed);
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
      return void relay.close().then(() => port.close());
  }
});
