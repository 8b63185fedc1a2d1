/** The `chaos:` timeline and the bots' `recovery:` policy. */
import { z } from 'zod';
import type { ChaosStep, RecoverySpec } from './types.js';
import { duration, positiveDuration } from './duration-schema.js';
import { checkSelector, directionSchema, evenWithOtherProblems, profileName, selectorKeys, selectorOf } from './network-schema.js';

const nodeId = z.string().regex(/^node-\d+$/, { error: (issue) => `must be node-<index>, e.g. node-0 (got ${JSON.stringify(issue.input)})` });
const nodePick = z.union([nodeId, z.literal('random'), z.literal('busiest')], {
  error: (issue) => `must be node-<index>, "random" (seeded) or "busiest" (most rooms) (got ${JSON.stringify(issue.input)})`,
});
const workerPick = z.union([z.string().regex(/^node-\d+\/worker-\d+$/), z.literal('random')], {
  error: (issue) => `must be node-<index>/worker-<index>, e.g. node-0/worker-0, or "random" (got ${JSON.stringify(issue.input)})`,
});

const at = { at: duration };

const churnRate = z.number({ error: (issue) => (issue.input === undefined ? 'is required: participants leaving per second, e.g. rate: 2' : `must be a number of participants leaving per second, e.g. 2 (got ${JSON.stringify(issue.input)})`) }).positive({ error: (issue) => `must be greater than 0 participants a second (got ${JSON.stringify(issue.input)})` });

const chaosStep = z.discriminatedUnion('action', [
  z.strictObject({ ...at, action: z.literal('kill-node'), target: nodePick }),
  z.strictObject({ ...at, action: z.literal('kill-worker'), target: workerPick }),
  z.strictObject({ ...at, action: z.literal('pause-node'), target: nodePick, for: positiveDuration }),
  z.strictObject({ ...at, action: z.literal('restart-node'), target: nodeId }),
  z.strictObject({ ...at, action: z.literal('exec'), command: z.array(z.string().min(1)).min(1), timeout: positiveDuration.default(30_000) }),
  // Network steps last `for`, or until the run ends.
  z
    .strictObject({ ...at, action: z.literal('impair'), ...selectorKeys, profile: profileName, direction: directionSchema, for: positiveDuration.optional() })
    .superRefine(checkSelector, evenWithOtherProblems),
  z.strictObject({ ...at, action: z.literal('partition'), target: nodeId, for: positiveDuration.optional() }),
  // Client steps pick werift bots and browsers with the impair steps' selector.
  z.strictObject({ ...at, action: z.literal('reconnect'), ...selectorKeys }).superRefine(checkSelector, evenWithOtherProblems),
  z
    .strictObject({ ...at, action: z.literal('churn'), ...selectorKeys, for: positiveDuration, rate: churnRate, away: positiveDuration.default(3000) })
    .superRefine(checkSelector, evenWithOtherProblems),
]);

export const chaosStepSchema = chaosStep.transform((step): ChaosStep => {
  switch (step.action) {
    case 'pause-node':
      return { atMs: step.at, action: step.action, target: step.target, forMs: step.for };
    case 'exec':
      return { atMs: step.at, action: step.action, command: step.command, timeoutMs: step.timeout };
    case 'impair':
      return { atMs: step.at, action: step.action, bots: selectorOf(step), profile: step.profile, direction: step.direction, forMs: step.for ?? null };
    case 'partition':
      return { atMs: step.at, action: step.action, target: step.target, forMs: step.for ?? null };
    case 'reconnect':
      return { atMs: step.at, action: step.action, bots: selectorOf(step) };
    case 'churn':
      return { atMs: step.at, action: step.action, bots: selectorOf(step), forMs: step.for, ratePerS: step.rate, awayMs: step.away };
    default:
      return { atMs: step.at, action: step.action, target: step.target };
  }
});

export const chaosSchema = z.array(chaosStepSchema).default([]);

export const recoverySchema = z
  .strictObject({
    mediaTimeout: positiveDuration.default(2000),
    gapThreshold: positiveDuration.default(500),
    backoff: z.strictObject({ initial: positiveDuration.default(250), max: positiveDuration.default(4000) }).prefault({}),
  })
  .prefault({})
  .transform(
    (r): RecoverySpec => ({ mediaTimeoutMs: r.mediaTimeout, gapThresholdMs: r.gapThreshold, backoffInitialMs: r.backoff.initial, backoffMaxMs: r.backoff.max }),
  );
