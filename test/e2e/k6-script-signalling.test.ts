/**
 * The logic of rtcstorm's k6 script against a real bundled target, run by a Node stand-in for the
 * k6 modules (test/helpers/k6-stand-in.ts): checks that every request gets the reply the protocol
 * promises, that the trends are recorded, and that the node is left clean. Needs no k6 binary; the
 * real k6 runs the same script in k6-engine.test.ts when one is installed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, beforeEach, describe, it } from 'node:test';
import { k6ScriptText } from '../../bots/k6/script-text.js';
import { compiledPath } from '../../core/paths.js';
import { parseScenario } from '../../core/scenario/index.js';
import type { NodeStats } from '../../target-server/sfu-node.js';
import { startBundledTarget } from '../../target-server/bundled-target.js';
import type { Target } from '../../ports/target-control.js';
import { tempDir } from '../helpers/cli.js';
import * as standIn from '../helpers/k6-stand-in.js';

interface ScriptModule { joinLeave(): Promise<void>; reconnectStorm(): Promise<void> }

const scenario = parseScenario(
  `name: k6-node
duration: 1m
rooms: { count: 1, size: 1 }
fleet:
  - engine: k6
    name: joins
    executor: constant-vus
    vus: 8
    duration: 10s
    roomSize: 2
  - engine: k6
    name: flaps
    executor: constant-vus
    vus: 8
    duration: 10s
    behaviour: reconnect-storm
`,
  'k6-node.yaml',
);

/** The generated script with its k6 imports pointed at the stand-in, loaded as a module. */
async function loadScript(signallingUrl: string): Promise<ScriptModule> {
  const standInUrl = pathToFileURL(compiledPath('test/helpers/k6-stand-in.ts')).href;
  const text = k6ScriptText(scenario, { signallingUrl, tag: 'standin' }).replace(/from '(k6|k6\/[a-z]+)'/g, `from '${standInUrl}'`);
  assert.doesNotMatch(text, /from 'k6/);
  const file = join(tempDir('k6-script'), 'script.mjs');
  writeFileSync(file, text);
  return (await import(pathToFileURL(file).href)) as ScriptModule;
}

/** Runs `sessions` iterations at once, one per VU, as k6 would with that many VUs. */
async function iterate(scenarioName: string, sessions: number, iteration: () => Promise<void>): Promise<void> {
  standIn.scenario.name = scenarioName;
  const running: Array<Promise<void>> = [];
  for (let vu = 1; vu <= sessions; vu++) {
    // The script reads its VU synchronously, before its first await.
    standIn.vu.idInTest = vu;
    running.push(iteration());
  }
  await Promise.all(running);
}

function checkCounts(): Map<string, { ok: number; failed: number }> {
  const counts = new Map<string, { ok: number; failed: number }>();
  for (const { name, ok } of standIn.recorded.checks) {
    const count = counts.get(name) ?? { ok: 0, failed: 0 };
    if (ok) count.ok++;
    else count.failed++;
    counts.set(name, count);
  }
  return counts;
}

describe('k6 script logic against a real target (Node stand-in for k6)', () => {
  let target: Target;
  let script: ScriptModule;

  before(async () => {
    target = await startBundledTarget({ nodes: 1, workersPerNode: 1 });
    script = await loadScript(target.signallingUrl);
  });

  after(async () => {
    await target?.stop();
  });

  beforeEach(() => {
    standIn.recorded.checks.length = 0;
    standIn.recorded.trends.clear();
  });

  async function assertNodeClean(): Promise<void> {
    let stats: NodeStats | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      stats = await target.nodes[0]!.stats();
      if (stats && stats.rooms === 0 && stats.peers === 0 && stats.transports === 0) return;
      await sleep(100);
    }
    assert.fail(`node not clean: ${JSON.stringify(stats)}`);
  }

  it('join-leave: locate, join, send and recv transports, leave; all answered', async () => {
    await iterate('joins', 8, () => script.joinLeave());
    assert.deepEqual(Object.fromEntries(checkCounts()), {
      'directory located the room': { ok: 8, failed: 0 },
      'join answered': { ok: 8, failed: 0 },
      'createTransport answered': { ok: 16, failed: 0 },
      'leave answered': { ok: 8, failed: 0 },
      'session completed': { ok: 8, failed: 0 },
    });
    assert.equal(standIn.recorded.trends.get('signalling_rtt_ms')?.length, 32);
    assert.equal(standIn.recorded.trends.get('join_ack_ms')?.length, 8);
    assert.ok(standIn.recorded.trends.get('join_ack_ms')!.every((ms) => ms >= 0 && ms < 10_000));
    await assertNodeClean();
  });

  it('reconnect-storm: join and drop the socket; the node cleans up after it', async () => {
    await iterate('flaps', 8, () => script.reconnectStorm());
    assert.deepEqual(Object.fromEntries(checkCounts()), {
      'directory located the room': { ok: 8, failed: 0 },
      'join answered': { ok: 8, failed: 0 },
      'session completed': { ok: 8, failed: 0 },
    });
    assert.equal(standIn.recorded.trends.get('signalling_rtt_ms')?.length, 8);
    await assertNodeClean();
  });

  it('fails the session check when the node cannot be reached', async () => {
    const unreachable = await loadScript('ws://127.0.0.1:1');
    await iterate('joins', 2, () => unreachable.joinLeave());
    assert.deepEqual(Object.fromEntries(checkCounts()), { 'session completed': { ok: 0, failed: 2 } });
    assert.equal(standIn.recorded.trends.get('signalling_rtt_ms'), undefined);
  });
});
