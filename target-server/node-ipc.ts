/** Messages between a bundled SFU node process and the process that started it. */
import type { NodeStats } from './sfu-node.js';

export type ToNode = { type: 'stats'; requestId: number };

export type FromNode =
  | { type: 'ready'; nodeId: string; url: string; workerPids: number[] }
  | { type: 'stats'; requestId: number; stats: NodeStats }
  | { type: 'worker-died'; workerId: string; message: string };
