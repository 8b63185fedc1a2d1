/**
 * `rtcstorm replay RUN`: runs a recorded run again from its report alone (the scenario's YAML, its
 * seed and its trace files are in report.json), then compares the new run with the recorded one.
 */
import { toolVersion } from '../../reports/build-report.js';
import { exitCodes } from '../../reports/exit-codes.js';
import { readReport } from '../../reports/read-report.js';
import { verdictOf } from '../../reports/verdict.js';
import { parseScenario, ScenarioError, type Scenario, type ScenarioOverrides } from '../../core/scenario/index.js';
import { readReportOrExplain } from './report.js';
import { runCommand, type RunCommandOptions } from './run.js';

export async function replayCommand(run: string, opts: RunCommandOptions): Promise<number> {
  const recorded = readReportOrExplain(() => readReport(run));
  if (!recorded) return exitCodes.badInput;
  const { scenario } = recorded;
  const version = toolVersion();
  if (recorded.tool.version !== version) {
    process.stderr.write(`rtcstorm: warning: the run was recorded with rtcstorm ${recorded.tool.version}, this is ${version}: differences may come from the tool, not the target\n`);
  }
  if (recorded.shard) process.stderr.write(`rtcstorm: the report is shard ${recorded.shard.index}/${recorded.shard.count} of a distributed run; the replay runs that shard's scenario whole on this machine\n`);
  const traced = Object.keys(scenario.files ?? {});
  process.stderr.write(`rtcstorm: replaying ${scenario.name} (seed ${scenario.seed}${traced.length > 0 ? `, traces ${traced.join(', ')} from the report` : ''}), recorded ${recorded.startedAt}\n`);
  // Relative trace paths resolve against the recorded file's folder only when the report lacks their text (older reports).
  const read = (_file: string, overrides: ScenarioOverrides): Scenario => parseScenario(scenario.source, scenario.file ?? 'scenario.yaml', { seed: overrides.seed ?? scenario.seed }, scenario.files);
  let code: number;
  try {
    code = await runCommand(run, { ...opts, baseline: opts.baseline ?? run }, read);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return exitCodes.badInput;
  }
  const before = verdictOf(recorded);
  process.stderr.write(`rtcstorm: the recorded run exited ${before.exitCode} (${before.text}); the replay exits ${code}\n`);
  return code;
}
