/**
 * A capacity search's refinement (`capacity.refine`): between the last step held and the first that
 * broke, probe runs of one step each bisect the room count, so the answer is found to one room
 * rather than to one step. Each probe is a run of its own, in a folder of the search's output.
 */
import { join } from 'node:path';
import type { Scenario } from '../scenario/index.js';
import { capacitySection } from '../../reports/capacity/capacity-section.js';
import type { CapacityStepReport } from '../../reports/report-types.js';
import { verdictOf } from '../../reports/verdict.js';
import { writeReport } from '../../reports/write-report.js';
import { progressPrinter } from './progress.js';
import type { RunOptions, RunParts, RunResult } from './run.js';

type Run = (scenario: Scenario, options: RunOptions, parts?: RunParts) => Promise<RunResult>;

/** The search's scenario narrowed to one step of `rooms` rooms: its bots all join over one ramp, then it is held. */
export function probeScenario(scenario: Scenario, rooms: number): Scenario {
  const spec = scenario.capacity!;
  return { ...scenario, capacity: { ...spec, startRooms: rooms, maxRooms: rooms, refine: false, min: null }, durationMs: spec.rampMs + spec.holdMs };
}

/** Runs the probes and rewrites the search's report with them; the result as it then stands. */
export async function refineCapacity(scenario: Scenario, search: RunResult, options: RunOptions, run: Run, parts?: RunParts): Promise<RunResult> {
  const capacity = search.report.capacity;
  // A shard sees its slice only: the merge decides the steps, and refinement needs the whole search.
  if (!scenario.capacity?.refine || !capacity || capacity.outcome !== 'target-limit' || !capacity.broke || !search.report.complete || options.shard) return search;
  let low = capacity.held?.rooms ?? 0;
  let high = capacity.broke.step.rooms;
  const probes: CapacityStepReport[] = [];
  while (high - low > 1 && !options.signal.aborted) {
    const rooms = Math.floor((low + high) / 2);
    const outDir = join(options.outDir, `probe-${probes.length}-${rooms}-rooms`);
    process.stderr.write(`rtcstorm: refining: probe ${probes.length}, ${rooms} rooms (between ${low} held and ${high} broken) → ${outDir}\n`);
    // The search's observers were closed with its run; a probe shows its own progress.
    const probe = await run(probeScenario(scenario, rooms), { ...options, outDir, planned: undefined, startAtMs: undefined, observers: options.observers === undefined ? undefined : [progressPrinter()] }, parts);
    const step = probe.report.capacity?.steps[0];
    if (!probe.report.complete || !step) break;
    probes.push({ ...step, probe: true, index: probes.length });
    if (step.outcome === 'held') low = rooms;
    else if (step.outcome === 'target-limit') high = rooms;
    // A loader limit or an unfinished probe cannot narrow the answer: the search's own stands.
    else break;
  }
  if (probes.length === 0) return search;
  const report = { ...search.report, capacity: capacitySection(scenario.capacity, [...capacity.steps, ...probes]) };
  const files = writeReport(options.outDir, report);
  return { ...search, report, files, verdict: verdictOf(report) };
}
