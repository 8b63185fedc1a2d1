/** One line of `rtcstorm doctor`: what an engine, target or backend needs on this machine, and the fix. */
export interface CheckResult { name: string; status: 'ok' | 'warn' | 'fail'; detail: string; fix?: string }
