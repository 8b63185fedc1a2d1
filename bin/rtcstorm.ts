#!/usr/bin/env node
/** The rtcstorm CLI: argument parsing and exit codes only; the work happens in core/ and friends. */
import { Command, InvalidArgumentError } from 'commander';
import { runCommand } from './commands/run.js';
import { targetCommand } from './commands/target.js';
import { doctorCommand } from './commands/doctor.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

const program = new Command('rtcstorm')
  .description('Chaos and load testing for real-time voice and video infrastructure')
  .showHelpAfterError()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 1));

program
  .command('run')
  .description('run a scenario: start the target, join the bots, measure, write a report')
  .argument('<scenario>', 'scenario YAML file')
  .option('-o, --out <dir>', 'output folder (default: reports/runs/<timestamp>-<name>/)')
  .option('--seed <n>', 'override the scenario seed', nonNegativeInt)
  .option('--processes <n>', 'fleet processes (default: one per core)', positiveInt)
  .action(async (file: string, opts: { out?: string; seed?: number; processes?: number }) => process.exit(await runCommand(file, opts)));

program
  .command('target')
  .description('run the bundled SFU cluster in the foreground until Ctrl-C')
  .option('--nodes <n>', 'SFU node processes', positiveInt, 1)
  .option('--workers-per-node <n>', 'mediasoup workers per node (default: one per core)', positiveInt)
  .action(async (opts: { nodes: number; workersPerNode?: number }) => process.exit(await targetCommand(opts)));

program
  .command('doctor')
  .description('check this machine: Node, the mediasoup worker, chromium, k6, ports, file limits')
  .action(async () => process.exit(await doctorCommand()));

await program.parseAsync();
