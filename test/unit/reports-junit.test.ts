import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateXML } from 'xmllint-wasm';
import { packageRoot } from '../../core/paths.js';
import { junitXml } from '../../reports/junit-xml.js';
import { seededReport } from '../helpers/seeded-report.js';

const xsd = readFileSync(join(packageRoot, 'test/fixtures/junit.xsd'), 'utf8');

async function schemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: xsd }] });
  return result.errors.map((e) => e.message);
}

function attribute(xml: string, element: string, name: string): string | undefined {
  return new RegExp(`<${element}\\b[^>]*\\s${name}="([^"]*)"`).exec(xml)?.[1];
}

const failingRun = seededReport({
  seed: 3,
  latencyMedianMs: 20,
  thresholds: '{ e2e_latency_ms: ["p(99)<5"], packet_loss_ratio: ["value<0.5"] }',
  events: [
    { atMs: 2000, kind: 'chaos', action: 'kill', target: 'sfu-1', ok: true },
    { atMs: 4000, kind: 'chaos', action: 'pause', target: 'sfu-2', ok: false, detail: 'no such node <sfu-2>', durationMs: 3000 },
    { atMs: 4500, kind: 'bot-failed', detail: 'bot 3' },
  ],
});

describe('junit.xml', () => {
  it('validates against the JUnit XSD for passing, failing and aborted runs', async () => {
    const passing = seededReport({ seed: 1, thresholds: '{ e2e_latency_ms: ["p(99)<1000"] }' });
    const aborted = seededReport({ seed: 2, complete: false });
    for (const report of [passing, failingRun, aborted]) assert.deepEqual(await schemaErrors(junitXml(report)), []);
  });

  it('the XSD rejects a testcase without time, so validation really checks', async () => {
    const broken = junitXml(failingRun).replace(/(<testcase [^>]*?) time="[^"]*"/, '$1');
    assert.notDeepEqual(await schemaErrors(broken), []);
  });

  it('has one testcase per threshold and per chaos step, plus the run, with totals on the testsuite', () => {
    const xml = junitXml(failingRun);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 1 + 2 + 2);
    assert.equal(attribute(xml, 'testsuite', 'tests'), '5');
    assert.equal(attribute(xml, 'testsuite', 'failures'), '2');
    assert.equal(attribute(xml, 'testsuite', 'errors'), '0');
    assert.equal(attribute(xml, 'testsuite', 'time'), '10.000');
    assert.match(xml, /<testcase name="pause sfu-2 at 4\.0 s" classname="rtcstorm\.seeded\.chaos" time="3\.000">/);
    assert.doesNotMatch(xml, /bot-failed/);
  });

  it("a crossed threshold's failure message shows the expression and the measured value", () => {
    const xml = junitXml(failingRun);
    const measured = failingRun.thresholds.find((t) => t.metric === 'e2e_latency_ms')!.value!;
    const message = /<failure message="([^"]*)" type="threshold">/.exec(xml)?.[1];
    assert.ok(message, xml);
    assert.match(message, /e2e_latency_ms: p\(99\)&lt;5/);
    assert.match(message, new RegExp(`measured ${measured.toFixed(1)} ms`));
    assert.match(xml, /<failure message="pause sfu-2 failed: no such node &lt;sfu-2&gt;" type="chaos">/);
  });

  it('an aborted run is an error, so CI never shows it green', () => {
    const xml = junitXml(seededReport({ seed: 2, complete: false }));
    assert.equal(attribute(xml, 'testsuite', 'errors'), '1');
    assert.match(xml, /<error message="interrupted \(SIGTERM\) after 3\.0 s" type="aborted">/);
  });
});
