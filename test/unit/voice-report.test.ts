/** The report's voice section and rooms from known MOS samples: bands, per-room figures, worst rooms first, thresholds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/index.js';
import { planRun } from '../../core/plan/planned-run.js';
import { parseScenario } from '../../core/scenario/index.js';
import { buildReport } from '../../reports/build-report.js';
import { summaryMarkdown } from '../../reports/summary-md.js';
import { reportHtml } from '../../reports/html/report-html.js';

const START = 1_700_000_000_000;

function report(samples: Array<{ room: string; mos: number; concealed: number }>, plane?: string) {
  const scenario = parseScenario('name: voice\nduration: 2s\nrooms: { count: 2, size: 4 }\nfleet:\n  - { engine: werift, name: voice, count: 8 }\nthresholds: { mos: ["p(5)>3.5"] }\n', 'voice.yaml');
  const store = new MetricStore(START);
  for (const s of samples) {
    store.record('mos', s.mos, 'voice', START + 500);
    store.record('room_mos', s.mos, s.room, START + 500);
    store.record('audio_concealed_ratio', s.concealed, 'voice', START + 500);
    store.record('room_audio_concealed_ratio', s.concealed, s.room, START + 500);
    store.record('playout_delay_ms', 60, 'voice', START + 500);
  }
  if (plane) store.event({ atMs: 0, kind: 'media-plane', ok: true, detail: `werift bots on the ${plane} media plane` });
  const planned = planRun(scenario);
  return buildReport({ scenario, plan: planned.whole, network: planned.network, store, startedAtMs: START, durationMs: 2000, complete: true, abortReason: null, targetUrls: ['ws://127.0.0.1:40000'], skipped: [], server: [], machineCores: null });
}

describe('voice in the report', () => {
  const samples = [
    ...Array.from({ length: 10 }, () => ({ room: 'room-0', mos: 4.4, concealed: 0 })),
    { room: 'room-0', mos: 4.34, concealed: 0 },
    ...Array.from({ length: 5 }, () => ({ room: 'room-0', mos: 4.1, concealed: 0.01 })),
    ...Array.from({ length: 3 }, () => ({ room: 'room-1', mos: 3.0, concealed: 0.1 })),
    ...Array.from({ length: 2 }, () => ({ room: 'room-1', mos: 2.0, concealed: 0.3 })),
  ];
  const built = report(samples);

  it('counts stream-seconds in G.107\'s satisfaction bands, a band\'s lower edge in it', () => {
    const voice = built.groups.voice!.metrics.voice!;
    assert.deepEqual(voice.mos_bands.map((b) => b.streamSeconds), [11, 5, 0, 0, 3, 2]);
    assert.equal(voice.mos!.count, 21);
    assert.ok(Math.abs(voice.audio_concealed_ratio!.avg - (5 * 0.01 + 3 * 0.1 + 2 * 0.3) / 21) < 1e-4);
  });

  it('gives each room its MOS and concealment, the worst room first', () => {
    assert.deepEqual(built.rooms.map((r) => r.room), ['room-1', 'room-0']);
    const [worst, best] = built.rooms as [typeof built.rooms[0], typeof built.rooms[0]];
    assert.ok(Math.abs(worst.mosAvg! - 2.6) < 0.01 && worst.mosP5! <= 2.01, JSON.stringify(worst));
    assert.ok(Math.abs(worst.audioConcealedRatio! - 0.18) < 1e-3, JSON.stringify(worst));
    assert.ok(best.mosP5! >= 4.09 && best.audioConcealedRatio! < 0.01, JSON.stringify(best));
  });

  it('judges a MOS threshold on the per-second samples, and the writers show the voice tables', () => {
    const threshold = built.thresholds.find((t) => t.metric === 'mos')!;
    assert.equal(threshold.ok, false);
    assert.ok(threshold.value! <= 2.01, String(threshold.value));
    assert.match(summaryMarkdown(built), /\| voice \| 4\.\d\d \| 3\.\d\d \| 23\.8\d% \|/);
    assert.match(reportHtml(built), /Voice quality \(werift bots\)[\s\S]*class="bands"/);
  });

  it('names the media plane that carried the bots in both headers, when the run says', () => {
    const onNative = report(samples, 'native');
    assert.match(summaryMarkdown(onNative).split('\n')[2]!, /· werift bots on the native media plane$/);
    assert.match(reportHtml(onNative), /<dt>media plane<\/dt><dd>werift bots on the native media plane<\/dd>/);
    assert.doesNotMatch(summaryMarkdown(built), /media plane/);
    assert.doesNotMatch(reportHtml(built), /<dt>media plane/);
  });
});
