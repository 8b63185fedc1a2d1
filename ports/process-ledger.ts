/** The record of what a run started: targets, engines and backends tell it of each process (core/run/process-ledger.ts keeps it on disk). */
/** What the parts of a run tell about the processes they start and pause. */
export interface ProcessLedger {
  /** `pid` was started for this run (an SFU node, a fleet process, Chromium, k6, …). */
  started(pid: number, what: string): void;
  /** Called before `pids` are stopped (SIGSTOP). */
  pausing(pids: number[]): void;
  /** `pids` were resumed (SIGCONT). */
  resumed(pids: number[]): void;
}

/** A ledger that writes nothing: for code that runs outside `rtcstorm run` (the bench, `rtcstorm target`). */
export const noLedger: ProcessLedger = { started: () => undefined, pausing: () => undefined, resumed: () => undefined };
