import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ScenarioError, loadScenario, parseScenario, type Scenario, type ScenarioProblem } from '../../core/scenario/index.js';

const FILE = 'scenarios/x.yaml';

const base = `name: base
duration: 20s
rooms: { count: 2, size: 4 }
fleet:
  - engine: werift
    name: voice
    count: 8
    rampUp: 2s
    audio: { codec: opus, ptimeMs: 20, bitrateKbps: 32 }
thresholds:
  e2e_latency_ms: ["p(99)<100"]
`;

/** The base scenario with one piece of text replaced; fails loudly if the text is not there. */
function edit(from: string, to: string, yaml = base): string {
  assert.ok(yaml.includes(from), `base scenario has no ${JSON.stringify(from)}`);
  return yaml.replace(from, to);
}

/** 1-based line and column where `needle` (which must be unique) starts in `yaml`. */
function positionOf(yaml: string, needle: string): { line: number; column: number } {
  const index = yaml.indexOf(needle);
  assert.ok(index >= 0 && yaml.indexOf(needle, index + 1) < 0, `${JSON.stringify(needle)} must occur once`);
  const before = yaml.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
}

function problemsOf(yaml: string): ScenarioProblem[] {
  try {
    parseScenario(yaml, FILE);
  } catch (error) {
    assert.ok(error instanceof ScenarioError, `expected ScenarioError, got ${String(error)}`);
    assert.equal(error.file, FILE);
    return error.problems;
  }
  assert.fail('scenario was accepted');
}

function errorOf(action: () => unknown): ScenarioError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ScenarioError);
    return error;
  }
  assert.fail('no ScenarioError thrown');
}

const defaultRecovery = { mediaTimeoutMs: 2000, gapThresholdMs: 500, backoffInitialMs: 250, backoffMaxMs: 4000 };

describe('parseScenario: valid scenarios', () => {
  it('reads the quickstart example', () => {
    const yaml = `name: quickstart
seed: 1
duration: 20s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 2, size: 4 }
fleet:
  - engine: werift
    name: voice
    count: 8
    rampUp: 2s
    audio: { codec: opus, ptimeMs: 20, bitrateKbps: 32 }
thresholds:
  e2e_latency_ms: ["p(99)<100"]
  packet_loss_ratio: ["value<0.01"]
`;
    const expected: Scenario = {
      name: 'quickstart',
      file: 'quickstart.yaml',
      source: yaml,
      files: {},
      seed: 1,
      durationMs: 20_000,
      target: { kind: 'bundled', nodes: 1, workersPerNode: 1 },
      rooms: { count: 2, size: 4 },
      fleet: [
        { engine: 'werift', name: 'voice', count: 8, rampUpMs: 2_000, audio: { codec: 'opus', ptimeMs: 20, bitrateKbps: 32 }, talk: { model: 'always' }, speakers: 8, video: null },
      ],
      thresholds: [
        {
          metric: 'e2e_latency_ms',
          expression: 'p(99)<100',
          condition: { aggregation: { percentile: 99 }, operator: '<', value: 100 },
          abortOnFail: false,
        },
        {
          metric: 'packet_loss_ratio',
          expression: 'value<0.01',
          condition: { aggregation: 'value', operator: '<', value: 0.01 },
          abortOnFail: false,
        },
      ],
      recovery: defaultRecovery,
      chaos: [],
      harness: { maxEventLoopLagMs: 100, maxCpuPercent: 95, maxMachineCpuPercent: 90, sustainedForMs: 5000, maxJoinBacklog: 0.1, joinGraceMs: 5000, maxSendDeficit: 0.05 },
      network: null,
      capacity: null,
      media: { plane: 'auto' },
    };
    assert.deepEqual(parseScenario(yaml, 'quickstart.yaml'), expected);
  });

  it('applies defaults', () => {
    const yaml = `name: minimal
duration: 1m
rooms: { count: 1, size: 2 }
fleet:
  - engine: werift
    count: 2
`;
    const expected: Scenario = {
      name: 'minimal',
      file: 'minimal.yaml',
      source: yaml,
      files: {},
      seed: 1,
      durationMs: 60_000,
      target: { kind: 'bundled', nodes: 1, workersPerNode: availableParallelism() },
      rooms: { count: 1, size: 2 },
      fleet: [{ engine: 'werift', name: 'werift', count: 2, rampUpMs: 0, audio: { codec: 'opus', ptimeMs: 20, bitrateKbps: 32 }, talk: { model: 'always' }, speakers: 2, video: null }],
      thresholds: [],
      recovery: defaultRecovery,
      chaos: [],
      harness: { maxEventLoopLagMs: 100, maxCpuPercent: 95, maxMachineCpuPercent: 90, sustainedForMs: 5000, maxJoinBacklog: 0.1, joinGraceMs: 5000, maxSendDeficit: 0.05 },
      network: null,
      capacity: null,
      media: { plane: 'auto' },
    };
    assert.deepEqual(parseScenario(yaml, 'minimal.yaml'), expected);
  });

  it('fills partial sections, talk model and speakers', () => {
    const yaml = edit('    rampUp: 2s\n', '    talk: { model: p59 }\n    speakers: 25%\n', edit('{ codec: opus, ptimeMs: 20, bitrateKbps: 32 }', '{ ptimeMs: 40 }'));
    const scenario = parseScenario(edit('rooms:', 'target: { bundled: { nodes: 2 } }\nrooms:', yaml), FILE);
    assert.deepEqual(scenario.target, { kind: 'bundled', nodes: 2, workersPerNode: availableParallelism() });
    assert.deepEqual(scenario.fleet[0], {
      engine: 'werift',
      name: 'voice',
      count: 8,
      rampUpMs: 0,
      audio: { codec: 'opus', ptimeMs: 40, bitrateKbps: 32 },
      talk: { model: 'p59', dtx: true },
      speakers: 2,
      video: null,
    });
  });

  it('gives werift video its defaults: 640x360 VP8 at 15 fps, 1,000 kb/s in 3 layers, keyframes only when asked', () => {
    assert.deepEqual(parseScenario(videoBot('{}'), FILE).fleet[0], {
      engine: 'werift', name: 'voice', count: 8, rampUpMs: 2000, audio: { codec: 'opus', ptimeMs: 20, bitrateKbps: 32 }, talk: { model: 'always' }, speakers: 8,
      video: { codec: 'vp8', width: 640, height: 360, fps: 15, bitrateKbps: 1000, simulcast: 3, keyframeIntervalMs: null },
    });
    const fleet = parseScenario(videoBot('{ width: 320, height: 180, simulcast: 2, fps: 30, bitrateKbps: 400, keyframeInterval: 2s }'), FILE).fleet[0];
    assert.deepEqual(fleet?.engine === 'werift' && fleet.video, { codec: 'vp8', width: 320, height: 180, fps: 30, bitrateKbps: 400, simulcast: 2, keyframeIntervalMs: 2000 });
  });

  it('reads k6 threshold objects', () => {
    const yaml = edit('["p(99)<100"]', '[{ threshold: "p(95) < 80", abortOnFail: true }, { threshold: "avg<50" }]');
    assert.deepEqual(
      parseScenario(yaml, FILE).thresholds.map((t) => [t.expression, t.abortOnFail]),
      [
        ['p(95) < 80', true],
        ['avg<50', false],
      ],
    );
  });

  it('lets the seed be overridden', () => {
    assert.equal(parseScenario(edit('duration:', 'seed: 7\nduration:'), FILE).seed, 7);
    assert.equal(parseScenario(edit('duration:', 'seed: 7\nduration:'), FILE, { seed: 42 }).seed, 42);
    assert.match(errorOf(() => parseScenario(base, FILE, { seed: -1 })).message, /seed: seed override must be an integer ≥ 0 \(got -1\)/);
  });

  const loopbackUrls = ['ws://127.0.0.1:8080', 'ws://127.1.2.3/rtc', 'wss://localhost:4443', 'ws://LOCALHOST', 'ws://[::1]:9000'];
  for (const url of loopbackUrls) {
    it(`accepts loopback url ${url}`, () => {
      const target = parseScenario(edit('rooms:', `target: { url: "${url}" }\nrooms:`), FILE).target;
      assert.deepEqual(target, { kind: 'url', url, allowNonLoopback: false });
    });
  }

  it('accepts a non-loopback url when explicitly allowed', () => {
    const yaml = edit('rooms:', 'target: { url: "wss://sfu.example.com", allowNonLoopback: true }\nrooms:');
    assert.deepEqual(parseScenario(yaml, FILE).target, { kind: 'url', url: 'wss://sfu.example.com', allowNonLoopback: true });
  });
});

interface BadCase {
  title: string;
  yaml: string;
  path: string;
  /** Text whose start is where the problem should point. */
  at?: string;
  message: RegExp;
}

const videoBot = (video: string, yaml = base): string => edit('    rampUp: 2s\n', `    rampUp: 2s\n    video: ${video}\n`, yaml);

const badCases: BadCase[] = [
  {
    title: 'a video size werift bots have no clip of',
    yaml: videoBot('{ width: 1280, height: 720 }'),
    path: 'fleet[0].video.width',
    at: '1280',
    message: /^werift bots send 640x360, 320x180, 160x90 \(the sizes of their VP8 clips\); got 1280x720$/,
  },
  {
    title: 'more simulcast layers than the size has below it',
    yaml: videoBot('{ width: 320, height: 180, simulcast: 3 }'),
    path: 'fleet[0].video.simulcast',
    at: '3 }',
    message: /^320x180 has 2 layers at or below it \(each half the one above, down to 160x90\); got 3$/,
  },
  {
    title: 'a simulcast count other than 1, 2 or 3',
    yaml: videoBot('{ simulcast: 5 }'),
    path: 'fleet[0].video.simulcast',
    at: '5 }',
    message: /^must be 1, 2 or 3 layers \(got 5\)$/,
  },
  {
    title: 'werift video on a Janus target',
    yaml: videoBot('{ simulcast: 2 }', edit('rooms:', 'target: { janus: { instances: 1 } }\nrooms:')),
    path: 'fleet[0].video',
    at: 'video:',
    message: /^werift bots send video to targets that speak rtcstorm's protocol \(target.bundled or target.url\), not target.janus; use a browser group for video there$/,
  },
  {
    title: 'ptime not in the allowed set',
    yaml: edit('ptimeMs: 20', 'ptimeMs: 25'),
    path: 'fleet[0].audio.ptimeMs',
    at: '25,',
    message: /^must be one of 10, 20, 40, 60 \(got 25\)$/,
  },
  {
    title: 'duration without a unit',
    yaml: edit('duration: 20s', 'duration: 20'),
    path: 'duration',
    at: '20\n',
    message: /duration "20" has no unit: add one of ms, s, m, h/,
  },
  {
    title: 'zero duration',
    yaml: edit('duration: 20s', 'duration: 0s'),
    path: 'duration',
    at: '0s',
    message: /must be longer than 0ms/,
  },
  { title: 'missing name', yaml: edit('name: base\n', ''), path: 'name', message: /^is required$/ },
  {
    title: 'name with spaces',
    yaml: edit('name: base', 'name: my test'),
    path: 'name',
    at: 'my test',
    message: /may only contain letters, digits, "\.", "_" and "-" \(got "my test"\)/,
  },
  {
    title: 'name too long',
    yaml: edit('name: base', `name: ${'a'.repeat(81)}`),
    path: 'name',
    at: 'a'.repeat(81),
    message: /must be at most 80 characters long \(got 81 characters/,
  },
  {
    title: 'negative seed',
    yaml: edit('duration:', 'seed: -3\nduration:'),
    path: 'seed',
    at: '-3',
    message: /^must be at least 0 \(got -3\)$/,
  },
  {
    title: 'fractional seed',
    yaml: edit('duration:', 'seed: 1.5\nduration:'),
    path: 'seed',
    at: '1.5',
    message: /^must be an integer \(got 1.5\)$/,
  },
  {
    title: 'unknown top-level key',
    yaml: edit('duration:', 'durration: 5s\nduration:'),
    path: 'durration',
    at: 'durration',
    message: /^unknown key "durration" \(allowed keys: name, seed, duration, target, rooms, fleet, thresholds, recovery, chaos, harness, media, network, capacity\)$/,
  },
  {
    title: 'unknown key in a group',
    yaml: edit('    count: 8', '    colour: red\n    count: 8'),
    path: 'fleet[0].colour',
    at: 'colour',
    message: /unknown key "colour" \(allowed keys: engine, name, count, rampUp, audio, talk, speakers, video\)/,
  },
  {
    title: 'rooms missing',
    yaml: edit('rooms: { count: 2, size: 4 }\n', ''),
    path: 'rooms',
    message: /^is required$/,
  },
  {
    title: 'rooms.count zero',
    yaml: edit('count: 2,', 'count: 0,'),
    path: 'rooms.count',
    at: '0, size',
    message: /^must be at least 1 \(got 0\)$/,
  },
  {
    title: 'rooms.size not a number',
    yaml: edit('size: 4', 'size: four'),
    path: 'rooms.size',
    at: 'four',
    message: /^must be a number \(got "four"\)$/,
  },
  {
    title: 'empty fleet',
    yaml: `name: x\nduration: 5s\nrooms: { count: 1, size: 1 }\nfleet: []\n`,
    path: 'fleet',
    at: '[]',
    message: /^must have at least 1 item \(got 0 items\)$/,
  },
  {
    title: 'unknown engine',
    yaml: edit('engine: werift', 'engine: pigeon'),
    path: 'fleet[0].engine',
    at: 'pigeon',
    message: /^must be one of "werift", "browser", "k6" \(got "pigeon"\)$/,
  },
  {
    title: 'bitrate out of range',
    yaml: edit('bitrateKbps: 32', 'bitrateKbps: 600'),
    path: 'fleet[0].audio.bitrateKbps',
    at: '600',
    message: /^must be at most 510 \(got 600\)$/,
  },
  {
    title: 'codec other than opus',
    yaml: edit('codec: opus', 'codec: pcmu'),
    path: 'fleet[0].audio.codec',
    at: 'pcmu',
    message: /^must be "opus" \(got "pcmu"\)$/,
  },
  {
    title: 'ramp-up as long as the scenario',
    yaml: edit('rampUp: 2s', 'rampUp: 20s'),
    path: 'fleet[0].rampUp',
    at: '20s\n    audio',
    message: /^must be shorter than the scenario duration 20s \(got 20s\)$/,
  },
  {
    title: 'duplicate group names',
    yaml: edit('thresholds:', '  - engine: werift\n    name: voice\n    count: 1\nthresholds:', edit('count: 8', 'count: 7')),
    path: 'fleet[1].name',
    at: 'voice\n    count: 1',
    message: /group name "voice" is already used by fleet\[0\]; names must be unique/,
  },
  {
    title: 'fleet bigger than rooms',
    yaml: edit('count: 8', 'count: 9'),
    path: 'fleet',
    at: 'fleet:',
    message: /^fleet has 9 bots but rooms hold at most 8 \(rooms.count 2 × rooms.size 4\)/,
  },
  {
    title: 'target with both bundled and url',
    yaml: edit('rooms:', 'target: { bundled: {}, url: "ws://127.0.0.1:1" }\nrooms:'),
    path: 'target',
    at: '{ bundled: {}',
    message: /^must set exactly one of bundled, url, janus, whip or launch \(got bundled and url\)$/,
  },
  {
    title: 'target with neither',
    yaml: edit('rooms:', 'target: { allowNonLoopback: true }\nrooms:'),
    path: 'target',
    message: /^must set exactly one of bundled, url, janus, whip or launch \(got none\)$/,
  },
  {
    title: 'whip with launch and endpoint templates',
    yaml: edit('rooms:', 'target: { whip: { launch: true, publish: "http://127.0.0.1:7080/whip/{room}-{peer}" } }\nrooms:'),
    path: 'target.whip',
    at: '{ launch: true',
    message: /^set launch: true \(rtcstorm starts the WHIP and WHEP servers\) or both publish and subscribe \(endpoint URL templates of your servers\)$/,
  },
  {
    title: 'whip subscribe template without the publisher',
    yaml: edit('rooms:', 'target: { whip: { publish: "http://127.0.0.1:7080/whip/{room}-{peer}", subscribe: "http://127.0.0.1:7090/whep/{room}" } }\nrooms:'),
    path: 'target.whip.subscribe',
    at: '"http://127.0.0.1:7090',
    message: /^must be an http:\/\/ or https:\/\/ endpoint URL with \{peer\} \(whose stream to subscribe to\) and usually \{room\} \(got "http:\/\/127\.0\.0\.1:7090\/whep\/\{room\}"\)$/,
  },
  {
    title: 'non-loopback whip endpoint',
    yaml: edit('rooms:', 'target: { whip: { publish: "https://whip.example.com/{room}/{peer}", subscribe: "http://127.0.0.1:7090/whep/{peer}" } }\nrooms:'),
    path: 'target.whip.publish',
    message: /host "whip\.example\.com" is not loopback .*unless target\.allowNonLoopback is true/,
  },
  {
    title: 'launch without a command',
    yaml: edit('rooms:', 'target: { launch: { port: 7300 } }\nrooms:'),
    path: 'target.launch.command',
    message: /^is required$/,
  },
  {
    title: 'launch on a port past the range',
    yaml: edit('rooms:', 'target: { launch: { command: [./sfu], port: 70000 } }\nrooms:'),
    path: 'target.launch.port',
    message: /65000/,
  },
  {
    title: 'launch whose instances are reached off loopback',
    yaml: edit('rooms:', 'target: { launch: { command: [./sfu], port: 7300, url: "ws://192.0.2.1:{port}" } }\nrooms:'),
    path: 'target.launch.url',
    message: /^host "192\.0\.2\.1" is not loopback \(allowed: 127\.0\.0\.0\/8, localhost, ::1\): a launched SFU runs on this machine$/,
  },
  {
    title: 'url that is neither a node nor a directory',
    yaml: edit('rooms:', 'target: { url: "ftp://127.0.0.1" }\nrooms:'),
    path: 'target.url',
    at: '"ftp',
    message: /^must be a ws:\/\/ or wss:\/\/ URL of an SFU node, or an http:\/\/ or https:\/\/ URL of an rtcstorm directory \(got "ftp:\/\/127.0.0.1"\)$/,
  },
  {
    title: 'non-loopback url',
    yaml: edit('rooms:', 'target: { url: "ws://10.0.0.5:8080" }\nrooms:'),
    path: 'target.url',
    at: '"ws:',
    message: /host "10\.0\.0\.5" is not loopback .*rtcstorm only sends load to loopback unless target\.allowNonLoopback is true/,
  },
  {
    title: 'non-loopback url with allowNonLoopback false',
    yaml: edit('rooms:', 'target: { url: "ws://128.0.0.1", allowNonLoopback: false }\nrooms:'),
    path: 'target.url',
    message: /host "128\.0\.0\.1" is not loopback/,
  },
  {
    title: 'unknown bundled key',
    yaml: edit('rooms:', 'target: { bundled: { node: 2 } }\nrooms:'),
    path: 'target.bundled.node',
    at: 'node:',
    message: /unknown key "node" \(allowed keys: nodes, workersPerNode\)/,
  },
  {
    title: 'unknown metric',
    yaml: edit('  e2e_latency_ms:', '  latency: ["avg<1"]\n  e2e_latency_ms:'),
    path: 'thresholds.latency',
    at: 'latency:',
    message: /unknown key "latency" \(allowed metrics: join_time_ms, e2e_latency_ms, .*harness_cpu_percent.*\)/,
  },
  {
    title: 'aggregation that does not fit the metric kind',
    yaml: edit('["p(99)<100"]', '["p(99)<100", "value<3"]'),
    path: 'thresholds.e2e_latency_ms[1]',
    at: '"value<3"',
    message: /"value<3": value does not apply to trend metric e2e_latency_ms \(allowed: avg, min, max, med, count, p\(N\)\)/,
  },
  {
    title: 'threshold syntax error',
    yaml: edit('"p(99)<100"', '"p(99)<<100"'),
    path: 'thresholds.e2e_latency_ms[0]',
    at: '"p(99)<<100"',
    message: /invalid threshold "p\(99\)<<100" at character 7: expected a number/,
  },
  {
    title: 'threshold list given as a string',
    yaml: edit('["p(99)<100"]', '"p(99)<100"'),
    path: 'thresholds.e2e_latency_ms',
    message: /^must be a list \(got "p\(99\)<100"\)$/,
  },
  {
    title: 'threshold entry of the wrong type',
    yaml: edit('["p(99)<100"]', '[100]'),
    path: 'thresholds.e2e_latency_ms[0]',
    message: /must be an expression such as "p\(99\)<100" or a mapping \{ threshold, abortOnFail \} \(got 100\)/,
  },
  {
    title: 'unknown key in a threshold object',
    yaml: edit('["p(99)<100"]', '[{ threshold: "avg<1", abort: true }]'),
    path: 'thresholds.e2e_latency_ms[0].abort',
    at: 'abort:',
    message: /unknown key "abort" \(allowed keys: threshold, abortOnFail\)/,
  },
];

describe('parseScenario: bad scenarios', () => {
  for (const bad of badCases) {
    it(`reports ${bad.title}`, () => {
      const problems = problemsOf(bad.yaml);
      assert.equal(problems.length, 1, `expected one problem, got:\n${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
      const [problem] = problems;
      assert.ok(problem !== undefined);
      assert.equal(problem.path, bad.path);
      assert.match(problem.message, bad.message);
      if (bad.at !== undefined) assert.deepEqual({ line: problem.line, column: problem.column }, positionOf(bad.yaml, bad.at));
    });
  }

  it('formats the error message as FILE:LINE:COL: PATH: MESSAGE', () => {
    const yaml = edit('ptimeMs: 20', 'ptimeMs: 25');
    const error = errorOf(() => parseScenario(yaml, FILE));
    assert.equal(error.name, 'ScenarioError');
    assert.equal(error.message, `${FILE}:9:36: fleet[0].audio.ptimeMs: must be one of 10, 20, 40, 60 (got 25)`);
  });

  it('reports all problems at once, in file order', () => {
    const yaml = `name: "bad name"
duration: 20
colour: blue
rooms: { count: 1, size: 2 }
fleet:
  - engine: werift
    count: 2
    audio: { ptimeMs: 15 }
  - engine: werift
    count: 3
thresholds:
  jitter_ms: ["rate<1"]
  latency: ["avg<1"]
`;
    const problems = problemsOf(yaml);
    assert.deepEqual(
      problems.map((p) => [p.path, p.line]),
      [
        ['name', 1],
        ['duration', 2],
        ['colour', 3],
        ['fleet', 5],
        ['fleet[0].audio.ptimeMs', 8],
        ['thresholds.jitter_ms[0]', 12],
        ['thresholds.latency', 13],
      ],
    );
    const error = errorOf(() => parseScenario(yaml, FILE));
    assert.equal(error.message.split('\n').length, problems.length);
    assert.match(error.message, /^scenarios\/x\.yaml:1:7: name: /);
  });

  it('still checks rules across sections when another section is broken', () => {
    const yaml = edit('rampUp: 2s', 'rampUp: 30s', edit('name: base', 'name: "bad name"'));
    assert.deepEqual(
      problemsOf(yaml).map((p) => p.path),
      ['name', 'fleet[0].rampUp'],
    );
  });

  it('reports YAML syntax errors with their position', () => {
    const problems = problemsOf('name: x\nrooms: { count: 1\nfleet: []\n');
    assert.ok(problems.length >= 1);
    assert.ok(problems.every((p) => p.path === '' && p.message.startsWith('invalid YAML: ') && p.line !== undefined));
  });

  const notMappings: Array<[string, string, RegExp]> = [
    ['an empty file', '', /^a scenario must be a YAML mapping with name, duration \(or capacity\), rooms and fleet \(got an empty value\)$/],
    ['a list', '- a\n- b\n', /\(got a list\)$/],
    ['a scalar', 'hello\n', /\(got "hello"\)$/],
  ];
  for (const [title, yaml, message] of notMappings) {
    it(`rejects ${title}`, () => {
      const problems = problemsOf(yaml);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.path, '');
      assert.match(problems[0]?.message ?? '', message);
    });
  }
});

describe('loadScenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtcstorm-scenario-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a scenario file', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, base);
    const scenario = loadScenario(file, { seed: 9 });
    assert.equal(scenario.file, file);
    assert.equal(scenario.name, 'base');
    assert.equal(scenario.seed, 9);
  });

  it('names the file in errors', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, edit('ptimeMs: 20', 'ptimeMs: 25'));
    const error = errorOf(() => loadScenario(file));
    assert.equal(error.file, file);
    assert.equal(error.message, `${file}:9:36: fleet[0].audio.ptimeMs: must be one of 10, 20, 40, 60 (got 25)`);
  });

  it('reports a missing file', () => {
    const file = join(dir, 'missing.yaml');
    const error = errorOf(() => loadScenario(file));
    assert.equal(error.file, file);
    assert.deepEqual(error.problems, [{ path: '', message: 'scenario file not found' }]);
    assert.equal(error.message, `${file}: scenario file not found`);
  });
});
