import { z } from 'zod';
import { parseDuration } from './duration.js';
import { show } from './messages.js';

export const duration = z
  .union([z.string(), z.number()], {
    error: (issue) =>
      issue.input === undefined ? 'is required' : `must be a duration such as "500ms", "20s" or "1.5m" (got ${show(issue.input)})`,
  })
  .transform((value, ctx) => {
    try {
      // Numbers are let through so that parseDuration can say which unit to add.
      return parseDuration(String(value));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message, input: value });
      return z.NEVER;
    }
  });

export const positiveDuration = duration.refine((ms) => ms > 0, { error: 'must be longer than 0ms (got 0ms)' });
