/** `harness:` when a fleet process counts as saturated, which makes a run invalid (exit 2). */
import { z } from 'zod';
import { positiveDuration } from './duration-schema.js';
import type { HarnessLimits } from './types.js';

export const harnessSchema = z
  .strictObject({
    maxEventLoopLag: positiveDuration.default(100),
    maxCpuPercent: z.number().min(1).max(100).default(95),
    /** With the bundled target: fleet and target together, as a percent of all the machine's cores. */
    maxMachineCpuPercent: z.number().min(1).max(100).default(90),
    sustainedFor: positiveDuration.default(5000),
  })
  .prefault({})
  .transform((h): HarnessLimits => ({ maxEventLoopLagMs: h.maxEventLoopLag, maxCpuPercent: h.maxCpuPercent, maxMachineCpuPercent: h.maxMachineCpuPercent, sustainedForMs: h.sustainedFor }));
