/**
 * junit.xml for CI test views: one testcase per threshold, per capacity step, per chaos step, and one that fails
 * (as an error) when the run was aborted or invalid, so such a run never shows up green.
 * Follows the Jenkins/Ant JUnit schema (test/fixtures/junit.xsd checks it).
 */
import { hostname } from 'node:os';
import { exitCodes } from './exit-codes.js';
import { eventLabel, isChaos } from './events.js';
import { metricValue } from './format.js';
import type { Report } from './report-types.js';
import { verdictOf } from './verdict.js';
import { escapeXml } from './xml-text.js';

interface TestCase {
  classname: string;
  name: string;
  timeS: number;
  /** The failure, error or skipped element, when the case did not simply pass. */
  problem?: { element: 'failure' | 'error' | 'skipped'; type: string; message: string; body: string };
}

function thresholdCases(report: Report, classname: string): TestCase[] {
  return report.thresholds.map((t) => {
    const measured = metricValue(t.metric, t.value);
    const name = `${t.metric}: ${t.expression}`;
    if (t.notEvaluated) return { classname, name, timeS: 0, problem: { element: 'skipped', type: 'not-evaluated', message: t.notEvaluated, body: t.notEvaluated } };
    if (t.ok) return { classname, name, timeS: 0 };
    return { classname, name, timeS: 0, problem: { element: 'failure', type: 'threshold', message: `${name} crossed: measured ${measured}`, body: `threshold ${t.metric} ${t.expression}\nmeasured ${measured}` } };
  });
}

function chaosCases(report: Report, classname: string): TestCase[] {
  return report.events.filter(isChaos).map((e) => {
    const name = `${eventLabel(e)} at ${(e.atMs / 1000).toFixed(1)} s`;
    const timeS = (e.durationMs ?? 0) / 1000;
    if (e.ok !== false) return { classname, name, timeS };
    return { classname, name, timeS, problem: { element: 'failure', type: 'chaos', message: `${eventLabel(e)} failed${e.detail ? `: ${e.detail}` : ''}`, body: JSON.stringify(e) } };
  });
}

/**
 * One case per step of a capacity search: a held step passes; the step that broke is the search's
 * answer, not a failure of the run (skipped, with what broke it); a loader limit is an error, as
 * an invalid run is; `capacity.min` not reached is the one failure.
 */
function capacityCases(report: Report, classname: string): TestCase[] {
  const capacity = report.capacity;
  if (!capacity) return [];
  const steps = capacity.steps.map((step): TestCase => {
    const name = `${step.probe ? 'probe' : 'step'} ${step.index}: ${step.bots} bots in ${step.rooms} rooms`;
    const timeS = (step.endMs - step.startMs) / 1000;
    const broke = step.slo.filter((s) => !s.ok).map((s) => `${s.metric} ${s.expression} measured ${metricValue(s.metric, s.value)}`);
    const why = [...broke, ...(step.reason ? [step.reason] : [])].join('; ');
    if (step.outcome === 'held') return { classname, name, timeS };
    if (step.outcome === 'loader-limit') return { classname, name, timeS, problem: { element: 'error', type: 'loader-limit', message: `the loader, not the target, ran out: ${why}`, body: why } };
    const message = step.outcome === 'target-limit' ? `the target's limit: ${why}` : `incomplete: ${why}`;
    return { classname, name, timeS, problem: { element: 'skipped', type: step.outcome, message, body: message } };
  });
  const min = capacity.min;
  if (!min) return steps;
  const wanted = min.bots !== null ? `${min.bots} bots` : `${min.rooms ?? 0} rooms`;
  const found = capacity.held ? `${capacity.held.bots} bots in ${capacity.held.rooms} rooms` : '0 bots';
  const minCase: TestCase = { classname, name: `capacity at least ${wanted}`, timeS: 0 };
  return [...steps, min.met ? minCase : { ...minCase, problem: { element: 'failure', type: 'capacity', message: `capacity ${found} is below ${wanted}`, body: `capacity ${found}\nminimum ${wanted}` } }];
}

/** The run itself: an error when it was aborted, or invalid because the loader was saturated. */
function validityCase(report: Report, classname: string): TestCase {
  const name = 'run completed and valid';
  const timeS = report.durationMs / 1000;
  if (verdictOf(report).exitCode !== exitCodes.aborted) return { classname, name, timeS };
  const [type, reason] = !report.complete ? ['aborted', report.abortReason ?? 'run did not complete'] : report.capacity ? ['invalid', verdictOf(report).text] : ['invalid', report.harness.invalidReason ?? 'the loader was saturated'];
  return { classname, name, timeS, problem: { element: 'error', type, message: reason, body: reason } };
}

function testcaseXml(c: TestCase): string {
  const open = `    <testcase name="${escapeXml(c.name)}" classname="${escapeXml(c.classname)}" time="${c.timeS.toFixed(3)}"`;
  if (!c.problem) return `${open}/>`;
  const p = c.problem;
  const type = p.element === 'skipped' ? '' : ` type="${p.type}"`;
  return `${open}>\n      <${p.element} message="${escapeXml(p.message)}"${type}>${escapeXml(p.body)}</${p.element}>\n    </testcase>`;
}

export function junitXml(report: Report): string {
  const base = `rtcstorm.${report.scenario.name}`;
  const cases = [validityCase(report, `${base}.run`), ...capacityCases(report, `${base}.capacity`), ...thresholdCases(report, `${base}.thresholds`), ...chaosCases(report, `${base}.chaos`)];
  const failures = cases.filter((c) => c.problem?.element === 'failure').length;
  const errors = cases.filter((c) => c.problem?.element === 'error').length;
  const skipped = cases.filter((c) => c.problem?.element === 'skipped').length;
  const totals = `tests="${cases.length}" failures="${failures}" errors="${errors}"`;
  const time = (report.durationMs / 1000).toFixed(3);
  // The Ant schema's timestamp has no zone and no fraction; it is UTC here.
  const timestamp = report.startedAt.slice(0, 19);
  const properties = [
    ['seed', String(report.scenario.seed)],
    ['rtcstorm.version', report.tool.version],
    ['scenario.file', report.scenario.file ?? ''],
    ['target', report.target.urls.join(' ')],
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="rtcstorm" ${totals} time="${time}">`,
    `  <testsuite name="${escapeXml(base)}" ${totals} skipped="${skipped}" time="${time}" timestamp="${timestamp}" hostname="${escapeXml(hostname())}">`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${name}" value="${escapeXml(value!)}"/>`),
    '    </properties>',
    ...cases.map(testcaseXml),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
