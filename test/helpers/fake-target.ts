/** A target with control whose every action only calls `act` (and says so): for the orchestration's unit tests. */
import type { Target } from '../../ports/target-control.js';

export function fakeTarget(options: { nodeIds?: string[]; act?: (what: string, node: string) => Promise<void> | void; stop?: () => Promise<void> | void } = {}): Target {
  const act = (what: string) => async (node: string): Promise<string> => {
    await options.act?.(what, node);
    return `${what} ${node} done`;
  };
  return {
    signallingUrl: 'ws://127.0.0.1:1',
    urls: ['ws://127.0.0.1:1'],
    nodes: [],
    nodeIds: options.nodeIds ?? ['node-0'],
    workersPerNode: 1,
    roomsByNode: () => new Map(),
    killNode: act('kill'),
    pauseNode: act('pause'),
    resumeNode: act('resume'),
    restartNode: act('restart'),
    killWorker: async () => 'no workers here',
    onIncident: () => undefined,
    stop: async () => {
      await options.stop?.();
    },
  };
}
