/** `harness:` when the loader counts as saturated or the load as not delivered, which makes a run invalid (exit 2). */
import { z } from 'zod';
import { positiveDuration } from './duration-schema.js';
import { percentage } from './network-schema.js';
import type { HarnessLimits } from './types.js';

export const harnessSchema = z
  .strictObject({
    maxEventLoopLag: positiveDuration.default(100),
    maxCpuPercent: z.number().min(1).max(100).default(95),
    /** With the bundled target: fleet and target together, as a percent of all the machine's cores. */
    maxMachineCpuPercent: z.number().min(1).max(100).default(90),
    sustainedFor: positiveDuration.default(5000),
    /** Of the bots that should have joined by a second (planned join time + joinGrace), the share that may not have. */
    maxJoinBacklog: percentage.default(0.1),
    joinGrace: positiveDuration.default(5000),
    /** Of the packets a group's send schedule called for in a second, the share its bots may have skipped. */
    maxSendDeficit: percentage.default(0.05),
  })
  .prefault({})
  .transform(
    (h): HarnessLimits => ({
      maxEventLoopLagMs: h.maxEventLoopLag,
      maxCpuPercent: h.maxCpuPercent,
      maxMachineCpuPercent: h.maxMachineCpuPercent,
      sustainedForMs: h.sustainedFor,
      maxJoinBacklog: h.maxJoinBacklog,
      joinGraceMs: h.joinGrace,
      maxSendDeficit: h.maxSendDeficit,
    }),
  );
