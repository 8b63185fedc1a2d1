/**
 * The k6 script rtcstorm writes. Its logic is type-checked against @types/k6 by the build
 * (tsconfig.k6.json); here: the text is an ES module k6 can load (no Node built-ins, only k6
 * imports) and the scenario's k6 groups become k6 `options.scenarios` with k6's option names.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { k6Options } from '../../bots/k6/k6-options.js';
import { k6Groups, k6ScriptText } from '../../bots/k6/script-text.js';
import { parseScenario, type Scenario } from '../../core/scenario/index.js';
import { tempDir } from '../helpers/cli.js';

const scenarioYaml = `name: storm
duration: 1m
rooms: { count: 1, size: 2 }
fleet:
  - engine: werift
    count: 2
  - engine: k6
    name: joins
    executor: constant-vus
    vus: 10
    duration: 30s
    roomSize: 2
  - engine: k6
    name: flaps
    executor: ramping-vus
    startVUs: 0
    stages: [{ duration: 10s, target: 50 }, { duration: 1500ms, target: 0 }]
    startTime: 5s
    behaviour: reconnect-storm
  - engine: k6
    name: arrivals
    executor: ramping-arrival-rate
    startRate: 2
    timeUnit: 1s
    preAllocatedVUs: 5
    maxVUs: 20
    stages: [{ duration: 20s, target: 40 }]
`;

function scenario(yaml = scenarioYaml, file: string | null = null): Scenario {
  return parseScenario(yaml, file ?? 'storm.yaml');
}

const target = { signallingUrl: 'ws://127.0.0.1:4443', tag: 'run1' };

/** Module specifiers of static imports and re-exports; dynamic import() and require() fail the test. */
function moduleSpecifiers(text: string): string[] {
  assert.doesNotMatch(text, /\bimport\s*\(|\brequire\s*\(/, 'the script must not load modules at run time');
  return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm)].map((m) => m[1]!);
}

/** `node --check` as an ES module: a syntax error fails it; imports are not resolved. */
function checkModuleSyntax(text: string): void {
  const result = spawnSync(process.execPath, ['--input-type=module', '--check'], { input: text, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
}

/** The settings object written into the script, read back. */
function settingsOf(text: string): { signallingUrl: string; roomPrefix: string; roomSizes: Record<string, number>; options: { scenarios: Record<string, Record<string, unknown>> } } {
  const match = /^const settings = (\{[\s\S]*?\n\});$/m.exec(text);
  assert.ok(match, 'script has no settings object');
  return JSON.parse(match[1]!) as ReturnType<typeof settingsOf>;
}

describe('k6 script', () => {
  it('is an ES module that imports only k6 modules', () => {
    const text = k6ScriptText(scenario(), target);
    checkModuleSyntax(text);
    const specifiers = moduleSpecifiers(text);
    assert.ok(specifiers.includes('k6/websockets'), `imports: ${specifiers.join(', ')}`);
    for (const specifier of specifiers) assert.match(specifier, /^k6(\/|$)/, `non-k6 import ${specifier}`);
  });

  it('carries the run: signalling URL, room prefix <runTag>-k6-, room sizes', () => {
    const settings = settingsOf(k6ScriptText(scenario(), target));
    assert.equal(settings.signallingUrl, 'ws://127.0.0.1:4443');
    assert.equal(settings.roomPrefix, 'run1-k6-');
    assert.deepEqual(settings.roomSizes, { joins: 2, flaps: 4, arrivals: 4 });
  });

  it('turns each k6 group into a k6 scenario with k6 option names', () => {
    const options = k6Options(k6Groups(scenario()), 10_000);
    assert.deepEqual(options.scenarios, {
      joins: { executor: 'constant-vus', vus: 10, duration: '30s', exec: 'joinLeave', startTime: '0ms', gracefulStop: '10s' },
      flaps: {
        executor: 'ramping-vus',
        startVUs: 0,
        stages: [{ duration: '10s', target: 50 }, { duration: '1s500ms', target: 0 }],
        exec: 'reconnectStorm',
        startTime: '5s',
        gracefulStop: '10s',
      },
      arrivals: {
        executor: 'ramping-arrival-rate',
        startRate: 2,
        timeUnit: '1s',
        preAllocatedVUs: 5,
        maxVUs: 20,
        stages: [{ duration: '20s', target: 40 }],
        exec: 'joinLeave',
        startTime: '0ms',
        gracefulStop: '10s',
      },
    });
    assert.deepEqual(settingsOf(k6ScriptText(scenario(), target)).options, options);
  });

  it('exports every function a scenario executes', () => {
    const text = k6ScriptText(scenario(), target);
    for (const [name, options] of Object.entries(settingsOf(text).options.scenarios)) {
      assert.match(text, new RegExp(`^export (async )?function ${String(options['exec'])}\\(`, 'm'), `scenario ${name}`);
    }
  });

  it('imports a custom script, relative to the scenario file, as its scenario function', () => {
    const dir = tempDir('k6-custom');
    writeFileSync(join(dir, 'mine.js'), 'export default function () {}\n');
    const yaml = scenarioYaml.replace('    behaviour: reconnect-storm\n', '    behaviour: custom\n    script: mine.js\n');
    const text = k6ScriptText(scenario(yaml, join(dir, 'storm.yaml')), target);
    checkModuleSyntax(text);
    assert.ok(text.includes(`import custom_1 from ${JSON.stringify(pathToFileURL(join(dir, 'mine.js')).href)};`), text.slice(0, 2000));
    assert.match(text, /^export \{ custom_1 \};$/m);
    assert.equal(settingsOf(text).options.scenarios['flaps']?.['exec'], 'custom_1');
  });

  it('names a custom script that does not exist', () => {
    const yaml = scenarioYaml.replace('    behaviour: reconnect-storm\n', '    behaviour: custom\n    script: missing.js\n');
    assert.throws(() => k6ScriptText(scenario(yaml, '/nowhere/storm.yaml'), target), /k6 script not found: \/nowhere\/missing\.js/);
  });
});
