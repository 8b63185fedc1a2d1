/** Exit codes of `rtcstorm run` (as k6: 99 when a threshold failed). Only bin/ calls process.exit. */
export const exitCodes = {
  ok: 0,
  badInput: 1,
  aborted: 2,
  thresholdsFailed: 99,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
