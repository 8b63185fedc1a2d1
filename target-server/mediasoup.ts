import { workerBinaryPath } from './worker-binary.js';

type Mediasoup = typeof import('mediasoup');

let loaded: Promise<Mediasoup> | undefined;

/**
 * mediasoup reads MEDIASOUP_WORKER_BIN once, when it is first imported, so the path of the worker
 * built by `npm run setup` must be in the environment before that import.
 */
export function loadMediasoup(): Promise<Mediasoup> {
  process.env.MEDIASOUP_WORKER_BIN = workerBinaryPath();
  loaded ??= import('mediasoup');
  return loaded;
}
