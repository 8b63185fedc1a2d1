/**
 * Target control: what the harness can do to a target's processes (kill, pause, resume, restart an
 * instance; kill a bundled node's mediasoup worker), how it samples their CPU and memory, and where
 * a room lives. The bundled cluster (target-server/bundled-target.ts) and a launched Janus
 * (targets/janus/launched-janus.ts) implement it, and a launched WHIP/WHEP target passes its Janus's
 * on (targets/whip/launched-whip.ts); an external target has no control at all.
 * Instances are named `node-0 … node-<n-1>` on every target.
 */

/** `udpPorts`: where the process receives media (network partitions cut these). */
export interface WorkerStats { workerId: string; pid: number; cpuMs: number; roomIds: string[]; udpPorts: number[] }

/** One instance, sampled: its own process and, for the bundled target, its mediasoup workers. */
export interface NodeStats {
  nodeId: string;
  pid: number;
  /** CPU of the instance's own process, ms since it started. */
  processCpuMs: number;
  rssBytes: number;
  rooms: number;
  peers: number;
  transports: number;
  producers: number;
  consumers: number;
  /** Processes that forward media for the instance (mediasoup workers); a Janus instance forwards itself and has one entry, itself. */
  workers: WorkerStats[];
}

export interface TargetNode {
  readonly id: string;
  readonly url: string;
  readonly pid: number;
  /** Undefined when the node does not answer in time (dead, paused). */
  stats(timeoutMs?: number): Promise<NodeStats | undefined>;
  /** Resolves when the process is gone. */
  readonly exited: Promise<void>;
}

export interface TargetIncident { kind: 'target-crash' | 'worker-died'; target: string; detail: string }

export interface Target {
  /** Where clients connect: a directory (http) that says where each room lives, or the one URL of a single-instance or external target. */
  readonly signallingUrl: string;
  /** Signalling URL of each instance. */
  readonly urls: string[];
  /** The instances as they are now (a restarted one is a new entry under the same id). */
  readonly nodes: TargetNode[];
  readonly nodeIds: string[];
  /** mediasoup workers per node (bundled target); 0 where there are none to kill. */
  readonly workersPerNode: number;
  /** What runs the target, for the report (e.g. `Janus 1.1.2`); undefined when unknown. */
  readonly software?: string;
  /** Rooms each instance serves now, by the directory's map. */
  roomsByNode(): Map<string, string[]>;
  killNode(nodeId: string): Promise<string>;
  pauseNode(nodeId: string): Promise<string>;
  resumeNode(nodeId: string): Promise<string>;
  restartNode(nodeId: string): Promise<string>;
  killWorker(nodeId: string, workerIndex: number): Promise<string>;
  /**
   * What happened to the target that rtcstorm did not ask for: an instance that ended without being
   * told to, and every mediasoup worker death (kill-worker chaos shows up here too, confirmed).
   */
  onIncident(listener: (incident: TargetIncident) => void): void;
  stop(): Promise<void>;
}
