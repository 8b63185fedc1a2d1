/**
 * Engines as plug-ins, the domain's side: each engine declares its group, metrics and report fields
 * in its own folder (its kind), and the scenario schema, the catalogue, the thresholds and the report
 * take them from the one list, core/scenario/engine-kinds.ts. The import rules that keep a kind pure,
 * and the domain off every other engine module, are checked on files made to break them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { metricCatalogue, metricNames, type MetricInfo } from '../../core/metrics/catalogue.js';
import { aggregate } from '../../core/metrics/aggregate.js';
import { MetricStore } from '../../core/metrics/store.js';
import { engineKinds, engineReportFields, engineReportShape, seatsOf } from '../../core/scenario/engine-kinds.js';
import { parseScenario, ScenarioError } from '../../core/scenario/index.js';
import { packageRoot } from '../../core/paths.js';
import { metricsSectionSchema } from '../../reports/report-schema.js';

describe('engine kinds', () => {
  it('every kind\'s metrics are in the catalogue, marked with its engine (among others that produce it too), and its rates are read', () => {
    for (const kind of engineKinds) {
      for (const [name, info] of Object.entries(kind.metrics as Record<string, MetricInfo>)) {
        assert.deepEqual((metricCatalogue as Record<string, unknown>)[name], info, name);
        assert.ok(info.engines?.includes(kind.engine), name);
      }
    }
    const store = new MetricStore(0);
    store.count('k6_checks_total', 4, 'k6', 0);
    store.count('k6_checks_passed', 3, 'k6', 0);
    assert.equal(aggregate(store, 'k6_checks_rate', { durationMs: 1000 }, 'rate'), 0.75);
    // A rate of the catalogue without a reader throws when a threshold reads it.
    for (const metric of metricNames.filter((m) => metricCatalogue[m].kind === 'rate')) {
      assert.doesNotThrow(() => aggregate(new MetricStore(0), metric, { durationMs: 1000 }, 'rate'), metric);
    }
  });

  it('every kind\'s report fields are in the report\'s metrics section, read from the store', () => {
    const kindFields = engineKinds.flatMap((kind) => Object.keys(kind.report.shape));
    assert.deepEqual(Object.keys(engineReportShape).sort(), [...kindFields].sort());
    for (const field of kindFields) assert.ok(field in metricsSectionSchema.shape, field);
    const store = new MetricStore(0);
    store.record('signalling_rtt_ms', 12, 'k6', 0);
    store.count('browser_rtp_packets_lost', 5, 'browser', 0);
    const fields = engineReportFields(store);
    assert.equal(fields.signalling_rtt_ms?.count, 1);
    assert.equal(fields.browser?.browser_rtp_packets_lost, 5);
    assert.equal(engineReportFields(new MetricStore(0)).browser, null, 'no browser measured: null');
  });

  it('the plan seats what a kind says it seats; k6 brings rooms of its own', () => {
    const scenario = parseScenario(
      'name: kinds\nduration: 10s\nrooms: { count: 2, size: 6 }\nfleet:\n  - { engine: werift, count: 4, speakers: 1 }\n  - { engine: browser, count: 2 }\n  - { engine: k6, executor: constant-vus, vus: 2, duration: 5s }\n',
      'kinds.yaml',
    );
    assert.deepEqual(scenario.fleet.map((g) => seatsOf(g)?.speakers ?? null), [1, 2, null]);
  });

  it('a kind\'s own rules reach the scenario\'s errors, with the group\'s path', () => {
    const yaml = 'name: kinds\nduration: 4s\nrooms: { count: 1, size: 2 }\nfleet:\n  - { engine: k6, executor: constant-vus, vus: 2, duration: 5s }\n';
    assert.throws(() => parseScenario(yaml, 'kinds.yaml'), (error: unknown) => error instanceof ScenarioError && /fleet\[0\]\.duration: k6 group ends at 5s/.test(error.message));
  });
});

describe('import rules around engine kinds', { timeout: 120_000 }, () => {
  // A tree shaped like the project's, cruised with the project's rules: each file breaks one rule.
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true } }),
    'core/scenario/engine-kinds.ts': "export { fooKind } from '../../bots/foo/foo-kind.js';\n",
    'core/scenario/plan-ish.ts': "import { fooKind } from '../../bots/foo/foo-kind.js';\nexport const a = fooKind;\n",
    'core/metrics/reads-engine.ts': "import { engine } from '../../bots/foo/foo-engine.js';\nexport const b = engine;\n",
    'bots/foo/foo-kind.ts': "import { format } from '../../reports/format.js';\nexport const fooKind = format;\n",
    'bots/foo/foo-engine.ts': "export const engine = 1;\n",
    'reports/format.ts': "export const format = 2;\n",
  };

  it('a kind that imports reports, a domain module that lists a kind itself, and the domain importing an engine fail lint', () => {
    const root = mkdtempSync(join(tmpdir(), 'rtcstorm-kinds-'));
    try {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
      const cruise = join(packageRoot, 'node_modules', '.bin', 'depcruise');
      let output = '';
      try {
        execFileSync(cruise, ['core', 'bots', 'reports', '--config', join(packageRoot, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
        assert.fail('depcruise found no violation');
      } catch (error) {
        output = String((error as { stdout?: string }).stdout ?? '') + String((error as { stderr?: string }).stderr ?? '');
      }
      assert.match(output, /engine-kinds-are-domain: bots\/foo\/foo-kind\.ts → reports\/format\.ts/);
      assert.match(output, /only-the-registry-lists-engine-kinds: core\/scenario\/plan-ish\.ts → bots\/foo\/foo-kind\.ts/);
      assert.match(output, /domain-depends-on-nothing: core\/metrics\/reads-engine\.ts → bots\/foo\/foo-engine\.ts/);
      assert.doesNotMatch(output, /core\/scenario\/engine-kinds\.ts → bots\/foo\/foo-kind\.ts/, 'the registry may list kinds');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
