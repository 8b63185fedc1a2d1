/**
 * What rtcstorm writes above the k6 script (bots/k6/script/signalling-load.ts) for one run: the
 * shape is shared by the Node side that writes it and the k6 side that reads it, and the k6 build
 * checks `options` against @types/k6's Options.
 */

/** k6 scenario options as k6 names them; durations are k6 duration strings such as "1m30s". */
export interface K6StageOptions { duration: string; target: number }

interface K6ScenarioCommon {
  /** Exported function of the script that runs one iteration. */
  exec: string;
  startTime: string;
  gracefulStop: string;
}

export type K6ExecutorOptions =
  | { executor: 'constant-vus'; vus: number; duration: string }
  | { executor: 'ramping-vus'; startVUs: number; stages: K6StageOptions[] }
  | { executor: 'ramping-arrival-rate'; startRate: number; timeUnit: string; preAllocatedVUs: number; maxVUs?: number; stages: K6StageOptions[] };

export type K6ScenarioOptions = K6ScenarioCommon & K6ExecutorOptions;

export interface K6Options {
  /** One k6 scenario per k6 fleet group, named after the group. */
  scenarios: Record<string, K6ScenarioOptions>;
}

export interface ScriptSettings {
  /** A node's signalling URL (ws, wss) or a directory (http, https) that says which node serves a room. */
  signallingUrl: string;
  /** Rooms are named `<roomPrefix><n>`, apart from the bots' rooms. */
  roomPrefix: string;
  /** A session not finished by then is closed and fails its check. */
  sessionTimeoutMs: number;
  /** Per k6 scenario name: how many VUs share a room. */
  roomSizes: Record<string, number>;
  options: K6Options;
}
