import { exitCodes, type ExitCode } from './exit-codes.js';
import type { CapacitySection, Report } from './report-types.js';

export interface Verdict { exitCode: ExitCode; text: string }

const stepText = (s: { rooms: number; bots: number }): string => `${s.bots} bots in ${s.rooms} room${s.rooms === 1 ? '' : 's'}`;

/** The answer of a capacity search in a line: the load held and what stopped the search. */
export function capacityText(capacity: CapacitySection): string {
  const held = capacity.held ? stepText(capacity.held) : '0 bots (no step held)';
  const broke = capacity.broke;
  switch (capacity.outcome) {
    case 'max-reached':
      return `${held}: max reached, every step held`;
    case 'target-limit': {
      const slo = broke?.slo;
      const why = slo ? `${slo.metric} ${slo.expression} was ${slo.value === null ? 'not measured' : Number(slo.value.toPrecision(4))}` : (broke?.step.reason ?? 'an SLO broke');
      return `${held}; the target broke at ${broke ? stepText(broke.step) : 'the next step'} (${why})`;
    }
    case 'loader-limit':
      return `at least ${held}; the loader, not the target, ran out at ${broke ? stepText(broke.step) : 'the next step'} (${broke?.step.reason ?? 'harness invalid'}): add fleet processes (--processes) or shards (--shard)`;
    case 'incomplete':
      return `at least ${held}; the search ended before a step broke or max was reached`;
  }
}

/** A search's verdict: its answer, unless rtcstorm was the limit or the minimum was not reached. */
function capacityVerdict(capacity: CapacitySection): Verdict {
  const text = capacityText(capacity);
  if (capacity.outcome === 'loader-limit') return { exitCode: exitCodes.aborted, text: `INVALID: capacity ${text}` };
  if (capacity.outcome === 'incomplete') return { exitCode: exitCodes.aborted, text: `INCOMPLETE: capacity ${text}` };
  const min = capacity.min;
  if (min && !min.met) return { exitCode: exitCodes.thresholdsFailed, text: `FAILED: capacity ${text}, below capacity.min ${min.bots !== null ? `${min.bots} bots` : `${min.rooms} rooms`}` };
  return { exitCode: exitCodes.ok, text: `CAPACITY: ${text}` };
}

/** One verdict for a report: an incomplete run is not a pass, whatever its thresholds say. */
export function verdictOf(report: Report): Verdict {
  const failed = report.thresholds.filter((t) => !t.ok);
  const evaluated = report.thresholds.filter((t) => !t.notEvaluated).length;
  if (!report.complete) return { exitCode: exitCodes.aborted, text: `ABORTED: ${report.abortReason ?? 'run did not complete'}` };
  // A search is judged step by step (harness validity included); the whole run goes on past its answer while stopping.
  if (report.capacity) return capacityVerdict(report.capacity);
  if (!report.harness.valid) return { exitCode: exitCodes.aborted, text: `INVALID: ${report.harness.invalidReason ?? 'the loader was saturated'}` };
  if (failed.length > 0) return { exitCode: exitCodes.thresholdsFailed, text: `FAILED: ${failed.length} of ${report.thresholds.length} thresholds crossed` };
  return { exitCode: exitCodes.ok, text: `PASSED: ${evaluated} thresholds met${evaluated < report.thresholds.length ? `, ${report.thresholds.length - evaluated} not evaluated` : ''}` };
}
