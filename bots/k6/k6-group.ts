/** A k6 group in a scenario: signalling-plane load from k6, with k6's executors and option names. */
import { z } from 'zod';
import { duration, positiveDuration } from '../../core/scenario/duration-schema.js';
import { show } from '../../core/scenario/messages.js';

/** One k6 stage: ramp to `target` (VUs, or iterations per time unit) over the stage's duration. */
export interface K6Stage { durationMs: number; target: number }

/** How k6 starts iterations: k6's executors, with k6's option names (durations in ms). */
export type K6Load =
  | { executor: 'constant-vus'; vus: number; durationMs: number }
  | { executor: 'ramping-vus'; startVUs: number; stages: K6Stage[] }
  | { executor: 'ramping-arrival-rate'; startRate: number; timeUnitMs: number; preAllocatedVUs: number; maxVUs?: number; stages: K6Stage[] };

/** What one k6 iteration does against the signalling (see bots/k6/script/signalling-load.ts). */
export type K6Behaviour = { kind: 'join-leave' } | { kind: 'reconnect-storm' } | { kind: 'custom'; script: string };

/** Signalling-plane load from k6; its sessions take no seats in `rooms` (they use rooms of their own). */
export interface K6Group {
  engine: 'k6';
  name: string;
  load: K6Load;
  behaviour: K6Behaviour;
  /** When the group starts, ms after the run's start. */
  startTimeMs: number;
  /** k6 sessions per room. */
  roomSize: number;
  /** When true and k6 is missing the run stops before starting; otherwise the group is skipped. */
  required: boolean;
}

// A k6 group is one k6 scenario, named after the group, and k6 allows only these characters.
const k6ScenarioName = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9_-]+$/, {
    error: (issue) => `may only contain letters, digits, "_" and "-", as a k6 scenario name (got ${show(issue.input)})`,
  });

const k6Stages = z
  .array(
    z
      .strictObject({ duration: positiveDuration, target: z.int().min(0) })
      .transform(({ duration, target }): K6Stage => ({ durationMs: duration, target })),
  )
  .min(1);

// Keys of every k6 group, around the executor's own keys (so "allowed keys" messages read in that order).
const k6Head = { engine: z.literal('k6'), name: k6ScenarioName.optional() };
const k6Tail = {
  behaviour: z.enum(['join-leave', 'reconnect-storm', 'custom']).default('join-leave'),
  script: z.string().min(1).optional(),
  startTime: duration.default(0),
  roomSize: z.int().min(1).default(4),
  required: z.boolean().default(false),
};

// k6's executors with k6's option names and defaults.
const k6Executors = z.discriminatedUnion('executor', [
  z.strictObject({ ...k6Head, executor: z.literal('constant-vus'), vus: z.int().min(1), duration: positiveDuration, ...k6Tail }),
  z.strictObject({ ...k6Head, executor: z.literal('ramping-vus'), startVUs: z.int().min(0).default(1), stages: k6Stages, ...k6Tail }),
  z.strictObject({
    ...k6Head,
    executor: z.literal('ramping-arrival-rate'),
    startRate: z.int().min(0).default(0),
    timeUnit: positiveDuration.default(1000),
    preAllocatedVUs: z.int().min(1),
    maxVUs: z.int().min(1).optional(),
    stages: k6Stages,
    ...k6Tail,
  }),
]);

type K6GroupInput = z.output<typeof k6Executors>;

function k6Load(group: K6GroupInput): K6Load {
  switch (group.executor) {
    case 'constant-vus':
      return { executor: group.executor, vus: group.vus, durationMs: group.duration };
    case 'ramping-vus':
      return { executor: group.executor, startVUs: group.startVUs, stages: group.stages };
    case 'ramping-arrival-rate': {
      const { startRate, timeUnit, preAllocatedVUs, maxVUs, stages } = group;
      return { executor: group.executor, startRate, timeUnitMs: timeUnit, preAllocatedVUs, ...(maxVUs === undefined ? {} : { maxVUs }), stages };
    }
  }
}

type IssueAt = (key: string, message: string) => void;

function k6Behaviour(group: K6GroupInput, issue: IssueAt): K6Behaviour | undefined {
  if (group.behaviour === 'custom') {
    if (group.script !== undefined) return { kind: 'custom', script: group.script };
    issue('script', 'is required when behaviour is custom (a k6 script whose default function is one iteration)');
    return undefined;
  }
  if (group.script === undefined) return { kind: group.behaviour };
  issue('script', `only applies to behaviour custom (behaviour is "${group.behaviour}")`);
  return undefined;
}

export const k6Group = k6Executors.transform((group, ctx): K6Group => {
  const issue: IssueAt = (key, message) => ctx.addIssue({ code: 'custom', path: [key], message, input: Reflect.get(group, key) });
  const behaviour = k6Behaviour(group, issue);
  if (group.executor === 'ramping-arrival-rate' && group.maxVUs !== undefined && group.maxVUs < group.preAllocatedVUs) {
    issue('maxVUs', `must be at least preAllocatedVUs ${group.preAllocatedVUs} (got ${group.maxVUs})`);
    return z.NEVER;
  }
  if (behaviour === undefined) return z.NEVER;
  return {
    engine: group.engine,
    name: group.name ?? group.engine,
    load: k6Load(group),
    behaviour,
    startTimeMs: group.startTime,
    roomSize: group.roomSize,
    required: group.required,
  };
});
