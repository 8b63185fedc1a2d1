/** The participant page's entry: offers `window.rtcstorm` (page-api.ts) to the browser engine. */
import { bindings, type FrameBatch, type PageApi } from '../page-api.js';
import { FrameLog } from './encoded-frames.js';
import { PeerConnections } from './peer-connections.js';

/** What Node exposes to the page (page.exposeFunction) and what the page offers Node. */
const host = window as unknown as {
  [bindings.frames]: (batch: FrameBatch) => Promise<void>;
  [bindings.failed]: (reason: string) => Promise<void>;
  rtcstorm: PageApi;
};

const log = new FrameLog();
let connections: PeerConnections | undefined;
let shipping: ReturnType<typeof setInterval> | undefined;

function started(): PeerConnections {
  if (!connections) throw new Error('the page was not started');
  return connections;
}

host.rtcstorm = {
  async start(config) {
    const capture = await navigator.mediaDevices.getUserMedia({ audio: true, video: config.video ? { width: config.video.width, height: config.video.height, frameRate: config.video.fps } : false });
    connections = new PeerConnections(config, capture, log, (reason) => void host[bindings.failed](reason));
    shipping = setInterval(() => void host[bindings.frames](log.take()), config.batchIntervalMs);
  },
  openConnection: (id, purpose) => started().open(id, purpose),
  createOffer: (id, media) => started().createOffer(id, media),
  acceptAnswer: (id, answer) => started().acceptAnswer(id, answer),
  createAnswer: (id, offer) => started().createAnswer(id, offer),
  applyAnswer: (id) => started().applyAnswer(id),
  useIceServers: (id, servers) => started().useIceServers(id, servers),
  connected: (id, timeoutMs) => started().connected(id, timeoutMs),
  closeConnection: (id) => started().close(id),
  stats: () => connections?.stats() ?? Promise.resolve({ inbound: [], sent: [] }),
  async leave() {
    connections?.closeAll();
    await host[bindings.frames](log.take());
  },
};
// Stops the shipping timer when the page goes (Node closes it at the end).
window.addEventListener('pagehide', () => clearInterval(shipping));
