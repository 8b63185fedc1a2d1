/**
 * Writes files derived from one value (a report, a comparison) behind a multiplexer: a writer that
 * throws is reported and the others still write (as Playwright's reporters do).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OutputWriter<T> {
  /** File name inside the output folder. */
  file: string;
  render(input: T): string;
}

export interface WriteOutcome {
  /** Paths written. */
  files: string[];
  /** One message per writer that failed. */
  failures: string[];
}

export function warnOnStderr(message: string): void {
  process.stderr.write(`rtcstorm: ${message}\n`);
}

export function writeOutputs<T>(outDir: string, input: T, writers: readonly OutputWriter<T>[], warn: (message: string) => void = warnOnStderr): WriteOutcome {
  mkdirSync(outDir, { recursive: true });
  const outcome: WriteOutcome = { files: [], failures: [] };
  for (const writer of writers) {
    const path = join(outDir, writer.file);
    try {
      writeFileSync(path, writer.render(input));
      outcome.files.push(path);
    } catch (error) {
      const message = `${writer.file} not written: ${(error as Error).message}`;
      outcome.failures.push(message);
      warn(message);
    }
  }
  return outcome;
}
