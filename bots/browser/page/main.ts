/** The participant page's entry: offers `window.rtcstorm` (page-api.ts) to the browser engine. */
import { bindings, type FrameBatch, type PageApi } from '../page-api.js';
import { FrameLog } from './encoded-frames.js';
import { PageParticipant } from './participant.js';

/** What Node exposes to the page (page.exposeFunction) and what the page offers Node. */
const host = window as unknown as {
  [bindings.frames]: (batch: FrameBatch) => Promise<void>;
  [bindings.failed]: (reason: string) => Promise<void>;
  rtcstorm: PageApi;
};

const log = new FrameLog();
let participant: PageParticipant | undefined;
let shipping: ReturnType<typeof setInterval> | undefined;

const batch = (): FrameBatch => ({ ...log.take(), audioConsumers: participant?.audioConsumers ?? 0 });

host.rtcstorm = {
  async join(config) {
    participant = new PageParticipant(config, log, (reason) => void host[bindings.failed](reason));
    shipping = setInterval(() => void host[bindings.frames](batch()), config.batchIntervalMs);
    await participant.join();
  },
  stats: () => participant?.stats() ?? Promise.resolve({ inbound: [], sent: [] }),
  async leave() {
    clearInterval(shipping);
    participant?.leave();
    await host[bindings.frames](batch());
  },
};
