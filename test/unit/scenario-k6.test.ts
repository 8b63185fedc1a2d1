/** The k6 member of the fleet union: defaults, every executor, and messages that say what to write. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScenarioError, parseScenario, type ScenarioProblem } from '../../core/scenario/index.js';
import type { K6Group } from '../../bots/k6/k6-group.js';

const FILE = 'scenarios/k6.yaml';

/** A scenario with one werift group and `k6` (YAML lines of a fleet item, indented 4) as the second group. */
function withK6Group(k6: string): string {
  return `name: k6
duration: 20s
rooms: { count: 1, size: 2 }
fleet:
  - engine: werift
    count: 2
  - engine: k6
${k6}`;
}

function k6GroupOf(yaml: string): K6Group {
  const group = parseScenario(yaml, FILE).fleet[1];
  assert.equal(group?.engine, 'k6');
  return group;
}

function problemsOf(yaml: string): ScenarioProblem[] {
  try {
    parseScenario(yaml, FILE);
  } catch (error) {
    assert.ok(error instanceof ScenarioError, `expected ScenarioError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('scenario was accepted');
}

describe('scenario: k6 groups', () => {
  it('reads a constant-vus group with defaults', () => {
    assert.deepEqual(k6GroupOf(withK6Group('    executor: constant-vus\n    vus: 5\n    duration: 10s\n')), {
      engine: 'k6',
      name: 'k6',
      load: { executor: 'constant-vus', vus: 5, durationMs: 10_000 },
      behaviour: { kind: 'join-leave' },
      startTimeMs: 0,
      roomSize: 4,
      required: false,
    });
  });

  it('reads ramping-vus stages with k6 option names', () => {
    const group = k6GroupOf(
      withK6Group('    name: storm\n    executor: ramping-vus\n    startVUs: 0\n    stages: [{ duration: 5s, target: 20 }, { duration: 1m, target: 0 }]\n    startTime: 2s\n    behaviour: reconnect-storm\n    required: true\n')
        .replace('duration: 20s', 'duration: 2m'),
    );
    assert.deepEqual(group.load, { executor: 'ramping-vus', startVUs: 0, stages: [{ durationMs: 5_000, target: 20 }, { durationMs: 60_000, target: 0 }] });
    assert.equal(group.name, 'storm');
    assert.deepEqual(group.behaviour, { kind: 'reconnect-storm' });
    assert.equal(group.startTimeMs, 2_000);
    assert.equal(group.required, true);
  });

  it('reads ramping-arrival-rate and a custom script', () => {
    const group = k6GroupOf(withK6Group('    executor: ramping-arrival-rate\n    timeUnit: 500ms\n    preAllocatedVUs: 10\n    maxVUs: 50\n    stages: [{ duration: 10s, target: 100 }]\n    behaviour: custom\n    script: ./mine.js\n'));
    assert.deepEqual(group.load, { executor: 'ramping-arrival-rate', startRate: 0, timeUnitMs: 500, preAllocatedVUs: 10, maxVUs: 50, stages: [{ durationMs: 10_000, target: 100 }] });
    assert.deepEqual(group.behaviour, { kind: 'custom', script: './mine.js' });
  });

  it('does not count k6 groups against room seats', () => {
    assert.doesNotThrow(() => parseScenario(withK6Group('    executor: constant-vus\n    vus: 500\n    duration: 10s\n'), FILE));
  });

  const cases: Array<{ title: string; k6: string; path: string; message: RegExp; line?: number }> = [
    {
      title: 'unknown executor',
      k6: '    executor: constant-vu\n',
      path: 'fleet[1].executor',
      message: /^must be one of "constant-vus", "ramping-vus", "ramping-arrival-rate" \(got "constant-vu"\)$/,
      line: 8,
    },
    {
      title: 'missing executor',
      k6: '    vus: 3\n',
      path: 'fleet[1].executor',
      message: /^must be one of "constant-vus", "ramping-vus", "ramping-arrival-rate" \(got nothing\)$/,
    },
    {
      title: 'an option of another executor',
      k6: '    executor: constant-vus\n    vus: 2\n    duration: 5s\n    stages: [{ duration: 5s, target: 2 }]\n',
      path: 'fleet[1].stages',
      message: /^unknown key "stages" \(allowed keys: engine, name, executor, vus, duration, behaviour, script, startTime, roomSize, required\)$/,
      line: 11,
    },
    {
      title: 'constant-vus without vus',
      k6: '    executor: constant-vus\n    duration: 5s\n',
      path: 'fleet[1].vus',
      message: /^is required$/,
    },
    {
      title: 'ramping-vus with no stages',
      k6: '    executor: ramping-vus\n    stages: []\n',
      path: 'fleet[1].stages',
      message: /^must have at least 1 item \(got 0 items\)$/,
    },
    {
      title: 'stage target not a number',
      k6: '    executor: ramping-vus\n    stages: [{ duration: 5s, target: many }]\n',
      path: 'fleet[1].stages[0].target',
      message: /^must be a number \(got "many"\)$/,
    },
    {
      title: 'stage duration without unit',
      k6: '    executor: ramping-vus\n    stages: [{ duration: 5, target: 1 }]\n',
      path: 'fleet[1].stages[0].duration',
      message: /^duration "5" has no unit/,
    },
    {
      title: 'arrival rate without preAllocatedVUs',
      k6: '    executor: ramping-arrival-rate\n    stages: [{ duration: 5s, target: 1 }]\n',
      path: 'fleet[1].preAllocatedVUs',
      message: /^is required$/,
    },
    {
      title: 'maxVUs below preAllocatedVUs',
      k6: '    executor: ramping-arrival-rate\n    preAllocatedVUs: 10\n    maxVUs: 5\n    stages: [{ duration: 5s, target: 1 }]\n',
      path: 'fleet[1].maxVUs',
      message: /^must be at least preAllocatedVUs 10 \(got 5\)$/,
      line: 10,
    },
    {
      title: 'unknown behaviour',
      k6: '    executor: constant-vus\n    vus: 1\n    duration: 5s\n    behaviour: flood\n',
      path: 'fleet[1].behaviour',
      message: /^must be one of "join-leave", "reconnect-storm", "custom" \(got "flood"\)$/,
    },
    {
      title: 'custom without script',
      k6: '    executor: constant-vus\n    vus: 1\n    duration: 5s\n    behaviour: custom\n',
      path: 'fleet[1].script',
      message: /^is required when behaviour is custom/,
    },
    {
      title: 'script without custom',
      k6: '    executor: constant-vus\n    vus: 1\n    duration: 5s\n    script: mine.js\n',
      path: 'fleet[1].script',
      message: /^only applies to behaviour custom \(behaviour is "join-leave"\)$/,
      line: 11,
    },
    {
      title: 'name k6 cannot use as a scenario name',
      k6: '    name: storm.1\n    executor: constant-vus\n    vus: 1\n    duration: 5s\n',
      path: 'fleet[1].name',
      message: /^may only contain letters, digits, "_" and "-", as a k6 scenario name \(got "storm.1"\)$/,
    },
    {
      title: 'required not a boolean',
      k6: '    executor: constant-vus\n    vus: 1\n    duration: 5s\n    required: yes please\n',
      path: 'fleet[1].required',
      message: /^must be true or false \(got "yes please"\)$/,
    },
    {
      title: 'load past the end of the scenario',
      k6: '    executor: ramping-vus\n    startTime: 5s\n    stages: [{ duration: 10s, target: 5 }, { duration: 10s, target: 0 }]\n',
      path: 'fleet[1].stages',
      message: /^k6 group ends at 25s \(startTime 5s \+ stages 20s\), after the scenario duration 20s; shorten the stages or lengthen the scenario$/,
      line: 10,
    },
  ];

  for (const { title, k6, path, message, line } of cases) {
    it(`rejects ${title}`, () => {
      const problems = problemsOf(withK6Group(k6));
      const problem = problems.find((p) => p.path === path);
      assert.ok(problem, `no problem at ${path}; got ${JSON.stringify(problems)}`);
      assert.match(problem.message, message);
      if (line !== undefined) assert.equal(problem.line, line);
    });
  }

  it('names a duplicate of a werift group name', () => {
    const problems = problemsOf(withK6Group('    name: werift\n    executor: constant-vus\n    vus: 1\n    duration: 5s\n'));
    assert.match(problems.find((p) => p.path === 'fleet[1].name')?.message ?? '', /group name "werift" is already used by fleet\[0\]/);
  });
});
