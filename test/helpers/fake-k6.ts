/**
 * A stand-in for the k6 binary, for testing the k6 engine where k6 is not installed: takes the
 * arguments rtcstorm passes to `k6 run`, runs each scenario of the script once per VU with the Node
 * stand-in for the k6 modules (k6-stand-in.ts), and writes what was measured in k6's JSON output
 * format. It does not pace iterations as k6 executors do: it checks the plumbing, not the load.
 *
 *   fake-k6 run [--quiet] [--no-usage-report] --out json=FILE --summary-export FILE [--env K=V]… SCRIPT
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as standIn from './k6-stand-in.js';

interface ScenarioOptions { vus?: number; preAllocatedVUs?: number; startVUs?: number; stages?: Array<{ target: number }>; exec: string }

const args = process.argv.slice(2);
const valueAfter = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
const outFile = valueAfter('--out')?.replace(/^json=/, '');
const summaryFile = valueAfter('--summary-export');
const scriptFile = args.at(-1);
if (args[0] !== 'run' || outFile === undefined || summaryFile === undefined || scriptFile === undefined) {
  process.stderr.write(`fake-k6: unexpected arguments: ${args.join(' ')}\n`);
  process.exit(104);
}

// The script's k6 imports, pointed at the stand-in.
const standInUrl = new URL('./k6-stand-in.js', import.meta.url).href;
const moduleFile = join(mkdtempSync(join(tmpdir(), 'rtcstorm-fake-k6-')), 'script.mjs');
writeFileSync(moduleFile, readFileSync(scriptFile, 'utf8').replace(/from '(k6|k6\/[a-z]+)'/g, `from '${standInUrl}'`));
const script = (await import(pathToFileURL(moduleFile).href)) as Record<string, unknown> & { options: { scenarios: Record<string, ScenarioOptions> } };

function point(metric: string, value: number, tags: Record<string, string>): string {
  return JSON.stringify({ type: 'Point', data: { time: new Date().toISOString(), value, tags }, metric });
}

writeFileSync(outFile, '');
let vuId = 0;
for (const [name, options] of Object.entries(script.options.scenarios)) {
  const vus = options.vus ?? options.preAllocatedVUs ?? Math.max(options.startVUs ?? 0, ...(options.stages ?? []).map((s) => s.target), 1);
  const iteration = script[options.exec] as () => Promise<void>;
  standIn.scenario.name = name;
  const running: Array<Promise<void>> = [];
  for (let i = 0; i < vus; i++) {
    standIn.vu.idInTest = ++vuId;
    running.push(iteration());
  }
  await Promise.all(running);
  const lines = [
    ...standIn.recorded.checks.map((c) => point('checks', c.ok ? 1 : 0, { check: c.name, scenario: name })),
    ...[...standIn.recorded.trends].flatMap(([metric, values]) => values.map((v) => point(metric, v, { scenario: name }))),
    point('iterations', vus, { scenario: name }),
  ];
  appendFileSync(outFile, `${lines.join('\n')}\n`);
  standIn.recorded.checks.length = 0;
  standIn.recorded.trends.clear();
}
writeFileSync(summaryFile, '{}\n');
// fetch's keep-alive connections (directory look-ups) would hold the process open for seconds.
process.exit(0);
