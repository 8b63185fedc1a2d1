import { writeFileSync } from 'node:fs';
import { k6Groups, k6ScriptText } from '../../bots/k6/script-text.js';
import { exitCodes } from '../../reports/exit-codes.js';
import { loadScenario, ScenarioError, type Scenario } from '../../core/scenario/index.js';

export interface K6ExportOptions { out?: string; url?: string }

function fail(message: string): number {
  process.stderr.write(`rtcstorm k6 export: ${message}\n`);
  return exitCodes.badInput;
}

/** Where the exported script connects: --url, else the scenario's external target. */
function signallingUrlOf(scenario: Scenario, url: string | undefined): string | undefined {
  if (url !== undefined) return url;
  return scenario.target.kind === 'url' ? scenario.target.url : undefined;
}

/** `rtcstorm k6 export`: the k6 script of a scenario's k6 groups alone, for k6 Cloud or k6-operator. */
export function k6ExportCommand(file: string, opts: K6ExportOptions): number {
  let scenario: Scenario;
  try {
    scenario = loadScenario(file);
  } catch (error) {
    if (error instanceof ScenarioError) return fail(error.message);
    throw error;
  }
  if (k6Groups(scenario).length === 0) return fail(`${file} has no fleet group with engine: k6`);
  const signallingUrl = signallingUrlOf(scenario, opts.url);
  if (signallingUrl === undefined) {
    return fail(`${file} targets the bundled SFU, which only exists during rtcstorm run: give the signalling URL of the SFU to load with --url ws://HOST:PORT`);
  }
  if (!/^(wss?|https?):\/\/./.test(signallingUrl)) return fail(`--url must be a ws://, wss:// (SFU node) or http(s):// (directory) URL (got "${signallingUrl}")`);
  let text: string;
  try {
    // Rooms are named after the scenario, so two exported scenarios never share a room.
    text = k6ScriptText(scenario, { signallingUrl, tag: scenario.name });
  } catch (error) {
    return fail((error as Error).message);
  }
  if (opts.out === undefined) process.stdout.write(text);
  else writeFileSync(opts.out, text);
  if (k6Groups(scenario).some((group) => group.behaviour.kind === 'custom')) {
    process.stderr.write('note: custom scripts are imported from their local paths and read RTCSTORM_SIGNALLING_URL and RTCSTORM_ROOM_PREFIX: pass them with k6 -e\n');
  }
  return exitCodes.ok;
}
