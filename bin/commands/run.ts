import { join } from 'node:path';
import { exitCodes } from '../../core/run/exit-codes.js';
import { progressPrinter } from '../../core/run/progress.js';
import { runScenario } from '../../core/run/run.js';
import { loadScenario, ScenarioError } from '../../core/scenario/index.js';
import { summaryMarkdown } from '../../reports/summary-md.js';
import { abortOnSignals } from './interrupt.js';

function defaultOutDir(name: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join('reports', 'runs', `${stamp}-${name}`);
}

export async function runCommand(file: string, opts: { out?: string; seed?: number; processes?: number }): Promise<number> {
  let scenario;
  try {
    scenario = loadScenario(file, { seed: opts.seed });
  } catch (error) {
    if (error instanceof ScenarioError) {
      process.stderr.write(`${error.message}\n`);
      return exitCodes.badInput;
    }
    throw error;
  }
  const controller = abortOnSignals();
  const outDir = opts.out ?? defaultOutDir(scenario.name);
  process.stderr.write(`rtcstorm: ${scenario.name} (seed ${scenario.seed}), ${scenario.fleet.reduce((n, g) => n + g.count, 0)} bots for ${scenario.durationMs / 1000} s → ${outDir}\n`);
  const result = await runScenario(scenario, { outDir, signal: controller.signal, observers: [progressPrinter()], processes: opts.processes });
  process.stdout.write(`\n${summaryMarkdown(result.report)}\n`);
  process.stderr.write(`report: ${result.files.join(', ')}\n`);
  return result.verdict.exitCode;
}
