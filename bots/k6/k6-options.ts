/** k6 fleet groups → k6 `options`: one k6 scenario per group, named after it, with k6's own option names. */
import { formatDuration } from '../../core/scenario/index.js';
import type { K6Group, K6Load, K6Stage } from './k6-group.js';
import type { K6ExecutorOptions, K6Options, K6StageOptions } from './script-settings.js';

/** Iteration functions exported by script/signalling-load.ts. */
const builtInExec = { 'join-leave': 'joinLeave', 'reconnect-storm': 'reconnectStorm' } as const;

/** The script function a group's scenario runs; `index` is the group's place among the k6 groups. */
export function execName(group: K6Group, index: number): string {
  return group.behaviour.kind === 'custom' ? `custom_${index}` : builtInExec[group.behaviour.kind];
}

function stageOptions(stage: K6Stage): K6StageOptions {
  return { duration: formatDuration(stage.durationMs), target: stage.target };
}

function executorOptions(load: K6Load): K6ExecutorOptions {
  switch (load.executor) {
    case 'constant-vus':
      return { executor: load.executor, vus: load.vus, duration: formatDuration(load.durationMs) };
    case 'ramping-vus':
      return { executor: load.executor, startVUs: load.startVUs, stages: load.stages.map(stageOptions) };
    case 'ramping-arrival-rate':
      return {
        executor: load.executor,
        startRate: load.startRate,
        timeUnit: formatDuration(load.timeUnitMs),
        preAllocatedVUs: load.preAllocatedVUs,
        ...(load.maxVUs === undefined ? {} : { maxVUs: load.maxVUs }),
        stages: load.stages.map(stageOptions),
      };
  }
}

/** `sessionTimeoutMs` bounds an iteration, so k6 may wait that long for iterations to end (gracefulStop). */
export function k6Options(groups: readonly K6Group[], sessionTimeoutMs: number): K6Options {
  const scenarios = groups.map((group, index): [string, K6Options['scenarios'][string]] => [
    group.name,
    { ...executorOptions(group.load), exec: execName(group, index), startTime: formatDuration(group.startTimeMs), gracefulStop: formatDuration(sessionTimeoutMs) },
  ]);
  return { scenarios: Object.fromEntries(scenarios) };
}
