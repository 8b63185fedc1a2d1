#!/usr/bin/env node
/** The rtcstorm CLI: argument parsing and exit codes only; the work happens in core/ and friends. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { comparedMetrics, selectMetrics } from '../reports/compare/compared-metrics.js';
import { compareCommand } from './commands/compare.js';
import { capacityCommand, type CapacityCommandOptions } from './commands/capacity.js';
import { parseCapacityAmount } from '../core/scenario/capacity-source.js';
import type { CapacityAmount } from '../core/scenario/capacity-schema.js';
import { reportCommand } from './commands/report.js';
import { runCommand, type RunCommandOptions } from './commands/run.js';
import { replayCommand } from './commands/replay.js';
import { targetCommand } from './commands/target.js';
import { doctorCommand } from './commands/doctor.js';
import { k6ExportCommand } from './commands/k6.js';
import { k8sRenderCommand, type K8sRenderOptions } from './commands/k8s.js';
import { mergeCommand } from './commands/merge.js';
import { importPopulationCommand, importWebrtcInternalsCommand } from './commands/import.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function shardOption(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) throw new InvalidArgumentError('expected i/N with 0 ≤ i < N, e.g. 0/3');
  return { index, count };
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

/** --tolerance "10%" or "10": a percentage, held as a fraction. */
function toleranceOption(description: string): Option {
  return new Option('--tolerance <percent>', description).default(0.1, '10%').argParser((value) => {
    const n = Number(value.trim().replace(/%$/, ''));
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a percentage ≥ 0, e.g. 10%');
    return n / 100;
  });
}

function metricList(value: string): string[] {
  const names = value.split(',').map((m) => m.trim()).filter(Boolean);
  try {
    selectMetrics(names);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return names;
}

const program = new Command('rtcstorm')
  .description('Chaos and load testing for real-time voice and video infrastructure')
  .showHelpAfterError()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 1));

/** The options of every command that runs a scenario (`run`, `capacity`), after the command's own. */
function runOptions(command: Command, words: { baseline: string; tolerance: string; force: string }): Command {
  return command
    .option('-o, --out <dir>', 'output folder (default: reports/runs/<timestamp>-<name>/)')
    .option('--seed <n>', 'override the scenario seed', nonNegativeInt)
    .option('--processes <n>', 'fleet processes (default: as few as the load needs, up to one per core)', positiveInt)
    .option('--shard <i/N>', 'run the i-th of N slices of the fleet (0-based), for a distributed run merged later', shardOption)
    .option('--start-at <epoch-ms>', 'shared start time of all shards, in ms since the epoch', nonNegativeInt)
    .option('--baseline <dir>', words.baseline)
    .addOption(toleranceOption(words.tolerance))
    .option('--prometheus <[host]:port>', 'serve live metrics on http://host:port/metrics (host default 127.0.0.1)')
    .option('--prometheus-push <url>', 'push live metrics to this Pushgateway every 5 s and at the end')
    .option('--allow-non-loopback', 'let --prometheus and --prometheus-push use non-loopback addresses')
    .option('--force', words.force);
}

runOptions(
  program
    .command('run')
    .description('run a scenario: start the target, join the bots, measure, write a report')
    .argument('<scenario>', 'scenario YAML file'),
  {
    baseline: 'compare with this run (folder or report.json) or folder of runs at the end; exit 99 on a regression',
    tolerance: 'with --baseline: allowed worsening per metric',
    force: 'run a plan the capacity pre-check finds far beyond this machine (it otherwise exits 1 with the estimate)',
  },
)
  .option('--compare-metrics <list>', 'with --baseline: metrics to compare (comma-separated; default all)', metricList)
  .action(async (file: string, opts: RunCommandOptions) => process.exit(await runCommand(file, opts)));

runOptions(
  program
    .command('replay')
    .description('run a recorded run again from its report (scenario, seed and trace files are in it), then compare the two; exit 99 on a regression')
    .argument('<run>', 'run folder or report.json'),
  {
    baseline: 'compare with this run instead of the recorded one (folder or report.json) or folder of runs',
    tolerance: 'allowed worsening per metric against the recorded run',
    force: 'run a plan the capacity pre-check finds far beyond this machine',
  },
)
  .option('--compare-metrics <list>', 'metrics to compare (comma-separated; default all)', metricList)
  .action(async (run: string, opts: RunCommandOptions) => process.exit(await replayCommand(run, opts)));

function amountOption(value: string): CapacityAmount {
  try {
    return parseCapacityAmount(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

runOptions(
  program
    .command('capacity')
    .description('run a scenario as a capacity search: add rooms step by step until an SLO breaks (its thresholds, or its capacity: block)')
    .argument('<scenario>', 'scenario YAML file')
    .option('--start <amount>', 'first step: rooms (10) or bots (300bots); default the scenario\'s rooms', amountOption)
    .option('--grow <amount>', 'what each step adds; default the scenario\'s rooms', amountOption)
    .option('--max <amount>', 'the last step; default 10 × the scenario\'s rooms', amountOption)
    .option('--min <amount>', 'exit 99 when the capacity found is below this', amountOption)
    .option('--ramp <duration>', 'each step\'s bots join over this long (default 5s)')
    .option('--hold <duration>', 'each step is held this long after its joins (default 20s)')
    .option('--refine', 'bisect between the last step held and the first that broke'),
  {
    baseline: 'compare the capacity with this search (folder or report.json) or folder of searches; exit 99 on a regression',
    tolerance: 'with --baseline: allowed loss of capacity',
    force: 'run a search whose first step the capacity pre-check finds far beyond this machine',
  },
).action(async (file: string, opts: CapacityCommandOptions) => process.exit(await capacityCommand(file, opts)));

program
  .command('report')
  .description('re-render summary.md, junit.xml and report.html from a run\'s report.json')
  .argument('<run>', 'run folder or report.json')
  .action((run: string) => process.exit(reportCommand(run)));

program
  .command('compare')
  .description('compare a candidate run with a baseline; exit 99 when it regressed past tolerance and noise')
  .argument('<baseline>', 'run folder, report.json, or a folder whose subfolders are runs (their spread is the noise)')
  .argument('<candidate>', 'run folder or report.json')
  .addOption(toleranceOption('allowed worsening per metric'))
  .option('--metrics <list>', `metrics to compare, comma-separated (default: capacity_bots for capacity searches, else all the others: ${comparedMetrics.map((m) => m.id).join(', ')})`, metricList)
  .option('-o, --out <dir>', "where to write compare.md and compare.html (default: the candidate's folder)")
  .action((baseline: string, candidate: string, opts: { tolerance: number; metrics?: string[]; out?: string }) => process.exit(compareCommand(baseline, candidate, opts)));

program
  .command('merge')
  .description('merge the shard reports of one distributed run into one report, thresholds and exit code included')
  .argument('<shards...>', 'shard run folders or report.json files')
  .requiredOption('-o, --out <dir>', 'output folder of the merged report')
  .option('--allow-partial', 'merge even when shards are missing (a warning instead of an error)')
  .action((shards: string[], opts: { out: string; allowPartial?: boolean }) => process.exit(mergeCommand(shards, opts)));

program
  .command('k8s')
  .description('Kubernetes manifests for a distributed run')
  .command('render')
  .description('print a ConfigMap, an Indexed Job running the shards, a merge Job (and a k6-operator TestRun for k6 groups)')
  .argument('<scenario>', 'scenario YAML file')
  .requiredOption('--shards <n>', 'number of shard pods', positiveInt)
  .requiredOption('--image <image>', 'container image with rtcstorm (see Dockerfile)')
  .requiredOption('--target <url>', 'signalling URL the shards load (directory http:// or node ws://)')
  .option('--start-in <seconds>', 'shards start together this long after rendering', positiveInt, 120)
  .option('--namespace <ns>', 'namespace of every object', 'default')
  .option('--results-claim <name>', 'PersistentVolumeClaim (ReadWriteMany) for shard results', 'rtcstorm-results')
  .action((file: string, opts: K8sRenderOptions) => process.exit(k8sRenderCommand(file, opts)));

program
  .command('target')
  .description('run the bundled SFU cluster in the foreground until Ctrl-C')
  .option('--nodes <n>', 'SFU node processes', positiveInt, 1)
  .option('--workers-per-node <n>', 'mediasoup workers per node (default: one per core)', positiveInt)
  .action(async (opts: { nodes: number; workersPerNode?: number }) => process.exit(await targetCommand(opts)));

program
  .command('doctor')
  .description('check this machine: Node, the mediasoup worker, chromium, k6, ports, file limits, network leftovers')
  .option('--cleanup', 'end processes and remove network namespaces, veth pairs and nftables tables left by killed runs (the network part needs root)')
  .action(async (opts: { cleanup?: boolean }) => process.exit(await doctorCommand(opts)));

program
  .command('k6')
  .description('k6 for signalling-plane load')
  .command('export')
  .description("write the k6 script of a scenario's k6 groups, to run with k6 alone (k6 Cloud, k6-operator)")
  .argument('<scenario>', 'scenario YAML file')
  .option('-o, --out <file>', 'script file (default: standard output)')
  .option('--url <url>', "signalling URL to load (default: the scenario's target.url)")
  .action((file: string, opts: { out?: string; url?: string }) => process.exit(k6ExportCommand(file, opts)));

const importCommand = program.command('import').description('make rtcstorm input from measurements: a trace from a webrtc-internals dump, a network: block from a population');

importCommand
  .command('webrtc-internals')
  .description('a network trace (CSV, a row a second) from a chrome://webrtc-internals dump')
  .argument('<dump>', 'the dump (JSON) downloaded from chrome://webrtc-internals')
  .option('-o, --out <file>', 'trace CSV (default: standard output)')
  .option('--pc <id>', 'the peer connection (default: the one with the most stats)')
  .addOption(new Option('--kind <kind>', 'loss and jitter from inbound RTP of this kind only (default: both)').choices(['audio', 'video']))
  .action((file: string, opts: { out?: string; pc?: string; kind?: 'audio' | 'video' }) => process.exit(importWebrtcInternalsCommand(file, opts)));

importCommand
  .command('population')
  .description('a network: block (profiles and bot shares) that reproduces the RTT and loss of measured clients or regions')
  .argument('<stats>', 'CSV: a row per client (rtt, loss, jitter, weight) or per region (name, weight, rtt_p50, rtt_p95, loss_p50, …)')
  .option('-o, --out <file>', 'YAML file (default: standard output)')
  .option('--profiles <k>', 'profiles to bucket per-client rows into', positiveInt, 8)
  .action((file: string, opts: { out?: string; profiles: number }) => process.exit(importPopulationCommand(file, opts)));

await program.parseAsync();
