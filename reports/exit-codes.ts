/** Exit codes of `rtcstorm run` (as k6: 99 when a threshold failed). Only bin/ calls process.exit. */
export const exitCodes = {
  ok: 0,
  badInput: 1,
  aborted: 2,
  thresholdsFailed: 99,
  /** `compare` or `run --baseline`: the candidate is worse than the baseline past tolerance and noise (a failed gate, like a threshold). */
  regressed: 99,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
