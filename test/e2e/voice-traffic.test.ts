/** Real voice traffic shapes: listeners that only subscribe, and P.59 talkers with DTX. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Report } from '../../reports/report-types.js';
import { runCli, tempDir, writeScenario } from '../helpers/cli.js';

describe('voice traffic', () => {
  it('runs a stage of one speaker and seven listeners beside P.59 talkers with DTX', async () => {
    const out = tempDir('voice');
    const result = await runCli([
      'run',
      writeScenario(`
name: voice-traffic
seed: 2
duration: 12s
target: { bundled: { workersPerNode: 1 } }
rooms: { count: 2, size: 8 }
fleet:
  - engine: werift
    name: stage
    count: 8
    speakers: 1
  - engine: werift
    name: talkers
    count: 8
    talk: { model: p59 }
`),
      '--out',
      out,
    ]);
    assert.ok(result.code === 0 || result.code === 99, result.stderr);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    const stage = report.groups.stage!;
    const talkers = report.groups.talkers!;
    assert.deepEqual(stage.bots, { planned: 8, joined: 8, failed: 0 }, 'listeners join without publishing');
    assert.deepEqual(talkers.bots, { planned: 8, joined: 8, failed: 0 });
    // Rooms mix both groups; what tells the shapes apart is what each group sends.
    const secondsTalking = 11;
    assert.ok(stage.packets.sent <= 50 * 12 && stage.packets.sent > 50 * 6, `one speaker sends ~50 packets/s: ${stage.packets.sent}`);
    const perTalkerPerSecond = talkers.packets.sent / 8 / secondsTalking;
    // P.59 activity is 38.7%: ~19 speech packets/s plus ~1.5 comfort-noise packets/s, far from 50.
    assert.ok(perTalkerPerSecond > 8 && perTalkerPerSecond < 35, `a P.59 talker sends ${perTalkerPerSecond.toFixed(1)} packets/s`);
    assert.ok(report.packets.received > 0 && (report.metrics.packet_loss_ratio ?? 1) < 0.05, `loss ${report.metrics.packet_loss_ratio}`);
    assert.equal(report.metrics.bot_failures, 0, 'pauses with DTX are not failures');
  });
});
