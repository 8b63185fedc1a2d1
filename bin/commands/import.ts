import { readFileSync, writeFileSync } from 'node:fs';
import { exitCodes } from '../../reports/exit-codes.js';
import { ScenarioError } from '../../core/scenario/errors.js';
import { formatTraceCsv } from '../../core/scenario/trace-file.js';
import { importWebrtcInternals, type WebrtcInternalsOptions } from '../../imports/webrtc-internals.js';
import { importPopulation, type PopulationOptions } from '../../imports/population.js';

function fail(command: string, message: string): number {
  process.stderr.write(`rtcstorm import ${command}: ${message}\n`);
  return exitCodes.badInput;
}

/** Problems in the input, one `FILE:LINE:COL: message` a line, as scenario problems are said. */
function badInput(error: ScenarioError): number {
  process.stderr.write(`${error.message}\n`);
  return exitCodes.badInput;
}

/** The file's text, or the reason it cannot be read. */
function readInput(file: string): string | Error {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function output(text: string, out: string | undefined): void {
  if (out === undefined) process.stdout.write(text);
  else writeFileSync(out, text);
}

/** `rtcstorm import webrtc-internals DUMP.json [-o trace.csv]`: a trace of one peer connection, a row a second. */
export function importWebrtcInternalsCommand(file: string, opts: WebrtcInternalsOptions & { out?: string }): number {
  const text = readInput(file);
  if (text instanceof Error) return fail('webrtc-internals', text.message);
  try {
    const result = importWebrtcInternals(text, file, opts);
    if (result.peerConnections.length > 1) {
      const list = result.peerConnections.map((pc) => `${pc.id} (${pc.series} series)`).join(', ');
      process.stderr.write(`peer connections: ${list}; took ${result.pc}${opts.pc === undefined ? ' (the most stats; choose with --pc <id>)' : ''}\n`);
    }
    for (const note of result.notes) process.stderr.write(`${note}\n`);
    output(formatTraceCsv(result.rows), opts.out);
    if (opts.out !== undefined) process.stderr.write(`wrote ${opts.out}: ${result.rows.length} rows, one a second\n`);
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof ScenarioError) return badInput(error);
    throw error;
  }
}

/** `rtcstorm import population STATS.csv [-o network.yaml]`: profiles and bot shares that reproduce a measured population. */
export function importPopulationCommand(file: string, opts: PopulationOptions & { out?: string }): number {
  const text = readInput(file);
  if (text instanceof Error) return fail('population', text.message);
  try {
    const result = importPopulation(text, file, opts);
    output(result.yaml, opts.out);
    process.stderr.write(`${result.summary}\n`);
    if (opts.out !== undefined) process.stderr.write(`wrote ${opts.out}\n`);
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof ScenarioError) return badInput(error);
    throw error;
  }
}
