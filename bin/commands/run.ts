import { join } from 'node:path';
import { exitCodes } from '../../reports/exit-codes.js';
import { sweepKilledRuns } from '../../core/run/leftovers.js';
import { capacityPreflight, targetPreflight } from '../../core/run/preflight.js';
import { progressPrinter } from '../../core/run/progress.js';
import { runScenario } from '../../core/run/run.js';
import { refineCapacity } from '../../core/run/capacity-refine.js';
import { planRun } from '../../core/plan/planned-run.js';
import { capacitySteps } from '../../core/plan/capacity-plan.js';
import { loadScenario, ScenarioError, type Scenario, type ScenarioOverrides } from '../../core/scenario/index.js';
import { readBaseline } from '../../reports/compare/baseline.js';
import { summaryMarkdown } from '../../reports/summary-md.js';
import { reportComparison } from './compare.js';
import { abortOnSignals } from './interrupt.js';
import { LiveMetricsOptionError, startLiveMetrics, type LiveMetricsOptions } from './live-metrics-options.js';
import { readReportOrExplain } from './report.js';

function defaultOutDir(name: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join('reports', 'runs', `${stamp}-${name}`);
}

export interface RunCommandOptions extends LiveMetricsOptions {
  out?: string;
  seed?: number;
  processes?: number;
  shard?: { index: number; count: number };
  startAt?: number;
  /** A run folder, report.json or folder of runs to compare against at the end. */
  baseline?: string;
  tolerance: number;
  compareMetrics?: string[];
  /** Run even a plan the capacity pre-check finds far beyond this machine. */
  force?: boolean;
}

/** `read`: how the scenario is read (`rtcstorm capacity` makes a search of it); default the file as it is. */
export async function runCommand(file: string, opts: RunCommandOptions, read: (file: string, overrides: ScenarioOverrides) => Scenario = loadScenario): Promise<number> {
  let scenario;
  try {
    scenario = read(file, { seed: opts.seed });
  } catch (error) {
    if (error instanceof ScenarioError) {
      process.stderr.write(`${error.message}\n`);
      return exitCodes.badInput;
    }
    throw error;
  }
  const missing = await targetPreflight(scenario);
  if (missing) {
    process.stderr.write(`rtcstorm: ${missing}\n`);
    return exitCodes.badInput;
  }
  const planned = planRun(scenario, opts.shard);
  const preflight = capacityPreflight(scenario, planned.mine, { processes: opts.processes });
  if (preflight.estimate.verdict === 'beyond' && !opts.force) {
    process.stderr.write(`rtcstorm: ${preflight.message ?? ''}\n`);
    return exitCodes.badInput;
  }
  const baselines = opts.baseline === undefined ? undefined : readReportOrExplain(() => readBaseline(opts.baseline!));
  if (baselines === null) return exitCodes.badInput;
  let liveMetrics;
  try {
    liveMetrics = await startLiveMetrics(opts, scenario);
  } catch (error) {
    if (!(error instanceof LiveMetricsOptionError)) throw error;
    process.stderr.write(`rtcstorm: ${error.message}\n`);
    return exitCodes.badInput;
  }
  if (preflight.message) process.stderr.write(`rtcstorm: ${preflight.estimate.verdict === 'beyond' ? '--force: ' : ''}${preflight.message}\n`);
  const swept = await sweepKilledRuns();
  for (const what of swept.removed) process.stderr.write(`rtcstorm: cleaned up after a killed run: ${what}\n`);
  for (const what of swept.remaining) process.stderr.write(`rtcstorm: left by a killed run and not removable now: ${what} (rtcstorm doctor --cleanup as root)\n`);
  const controller = abortOnSignals();
  const outDir = opts.out ?? defaultOutDir(scenario.name);
  const load = scenario.capacity
    ? `capacity search: up to ${planned.mine.bots.length} bots in ${capacitySteps(scenario).length} steps, up to ${scenario.durationMs / 1000} s`
    : `${scenario.fleet.reduce((n, g) => n + ('count' in g ? g.count : 0), 0)} bots for ${scenario.durationMs / 1000} s`;
  process.stderr.write(`rtcstorm: ${scenario.name} (seed ${scenario.seed}), ${load} → ${outDir}\n`);
  const runOptions = { outDir, signal: controller.signal, observers: [progressPrinter(), ...(liveMetrics ? [liveMetrics] : [])], processes: opts.processes, planned, startAtMs: opts.startAt, shard: opts.shard };
  const result = await refineCapacity(scenario, await runScenario(scenario, runOptions), runOptions, runScenario);
  process.stdout.write(`\n${summaryMarkdown(result.report)}\n`);
  process.stderr.write(`report: ${result.files.join(', ')}\n`);
  if (!baselines) return result.verdict.exitCode;
  const compared = reportComparison(baselines, result.report, outDir, { tolerance: opts.tolerance, metrics: opts.compareMetrics });
  // A failed or aborted run keeps its own exit code; a clean run fails the gate when it regressed.
  return result.verdict.exitCode !== exitCodes.ok ? result.verdict.exitCode : compared;
}
