/**
 * Voice quality as the bots hear it, through real mediasoup and the userspace relay: each bot's
 * jitter-buffer model and the E-model turn what was injected on a group's downlink into the MOS,
 * concealment and playout delay the report shows, and the groups come out in the order of their
 * impairment.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deviceDelayMs, mos } from '../../core/quality/e-model.js';
import { MetricStore } from '../../core/metrics/store.js';
import type { Report } from '../../reports/report-types.js';
import { runCli, tempDir, writeScenario } from '../helpers/cli.js';
import { waitForNoProcessesWithEnv } from '../helpers/processes.js';

describe('voice quality end to end', () => {
  it('MOS near the ceiling on a clean path, lowered by 5% loss as the E-model predicts (±0.2), jitter raising playout delay and concealment, groups ordered by impairment', async () => {
    const out = tempDir('voice-quality');
    const id = randomUUID();
    const result = await runCli([
      'run',
      writeScenario(`
name: voice-quality
seed: 7
duration: 24s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 2, size: 8 }
fleet:
  - { engine: werift, name: clean, count: 4 }
  - { engine: werift, name: loss2, count: 4 }
  - { engine: werift, name: loss5, count: 4 }
  - { engine: werift, name: jitter60, count: 4 }
network:
  profiles:
    drop2: { loss: 2% }
    drop5: { loss: 5% }
    jittery: { jitter: 60ms }
  assign:
    - { group: loss2, profile: drop2, direction: down }
    - { group: loss5, profile: drop5, direction: down }
# Jitter from 8 s, once the buffers have settled on a clean path (NetEq starts at 80 ms, which would
# absorb it from the first packet): its onset is what costs concealment until the target catches up.
chaos:
  - { at: 8s, action: impair, group: jitter60, profile: jittery, direction: down, for: 15s }
thresholds:
  mos: ["p(5)>1"]
`),
      '--out',
      out,
    ], { RTCSTORM_TEST_RUN: id });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.deepEqual(await waitForNoProcessesWithEnv(`RTCSTORM_TEST_RUN=${id}`), []);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    const store = MetricStore.fromJSON(report.raw);
    // The jitter group's impairment is from 8 s to 23 s: concealment from its onset, playout delay once the buffer has grown.
    const inWindow = (metric: 'playout_delay_ms' | 'audio_concealed_ratio', group: string) => (metric === 'audio_concealed_ratio' ? store.histogram(metric, group, 8, 22) : store.histogram(metric, group, 10, 22));
    const voice = (group: string) => {
      const v = report.groups[group]!.metrics.voice;
      assert.ok(v?.mos && v.playout_delay_ms && v.audio_concealed_ratio, `${group} has no voice section: ${JSON.stringify(v)}`);
      return { mos: v.mos.avg, playoutP50: v.playout_delay_ms.p50, concealed: v.audio_concealed_ratio.avg, rated: v.mos.count, windowPlayoutP50: inWindow('playout_delay_ms', group).percentile(50), windowConcealed: inWindow('audio_concealed_ratio', group).mean };
    };
    const [clean, loss2, loss5, jitter] = ['clean', 'loss2', 'loss5', 'jitter60'].map(voice) as [ReturnType<typeof voice>, ReturnType<typeof voice>, ReturnType<typeof voice>, ReturnType<typeof voice>];
    const figures = JSON.stringify({ clean, loss2, loss5, jitter });
    console.log(`# voice quality figures: ${figures}`);
    // Each bot rates 7 streams about 20 s each.
    for (const g of [clean, loss2, loss5, jitter]) assert.ok(g.rated > 4 * 7 * 12, `too few rated stream-seconds: ${figures}`);

    // The ceiling at the clean group's own mouth-to-ear delay (playout delay, packet time, device).
    const mouthToEar = clean.playoutP50 + 20 + deviceDelayMs;
    const ceiling = mos({ mouthToEarMs: mouthToEar, lossPercent: 0, burstRatio: 1 });
    assert.ok(ceiling > 4.3 && clean.mos > ceiling - 0.1, `clean ${clean.mos.toFixed(3)}, ceiling ${ceiling.toFixed(3)}: ${figures}`);
    assert.ok(clean.concealed < 0.01, figures);

    const predictedDrop = ceiling - mos({ mouthToEarMs: mouthToEar, lossPercent: 5, burstRatio: 1 });
    const drop = clean.mos - loss5.mos;
    console.log(`# 5% loss: MOS drop ${drop.toFixed(3)}, E-model ${predictedDrop.toFixed(3)} at ${mouthToEar.toFixed(1)} ms mouth-to-ear`);
    assert.ok(Math.abs(drop - predictedDrop) <= 0.2, `5% loss lowered MOS by ${drop.toFixed(3)}, the E-model predicts ${predictedDrop.toFixed(3)}: ${figures}`);

    assert.ok(jitter.windowPlayoutP50 > clean.windowPlayoutP50 + 20, `jitter's playout delay: ${figures}`);
    assert.ok(jitter.windowConcealed > clean.windowConcealed && jitter.windowConcealed > 0, `jitter's concealment: ${figures}`);

    assert.ok(clean.mos > loss2.mos && loss2.mos > loss5.mos && clean.mos > jitter.mos, `order by impairment: ${figures}`);

    // Per room, worst first: the room of the lossy groups leads.
    const rooms = report.rooms.filter((r) => r.mosP5 !== null && r.mosP5 !== undefined);
    assert.equal(rooms.length, 2, JSON.stringify(report.rooms));
    assert.ok(rooms[0]!.mosP5! <= rooms[1]!.mosP5!, JSON.stringify(report.rooms));
    assert.equal(report.thresholds.find((t) => t.metric === 'mos')?.ok, true);
  });
});
