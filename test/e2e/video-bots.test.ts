/**
 * werift video bots through real mediasoup, as a user runs them (the CLI, the userspace relay): loss on
 * a group's downlink is repaired by NACK and RTX, and freezes grow only when it is too much to repair;
 * a downlink rate cap moves that subscriber to a lower simulcast layer and lifting it brings it back,
 * while an uncapped one keeps the top layer; an uplink cap makes a publisher send under it and pause
 * its top layer.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MetricStore } from '../../core/metrics/store.js';
import type { Report } from '../../reports/report-types.js';
import { runCli, tempDir, writeScenario } from '../helpers/cli.js';
import { waitForNoProcessesWithEnv } from '../helpers/processes.js';

async function run(yaml: string): Promise<Report> {
  const out = tempDir('video');
  const id = randomUUID();
  const result = await runCli(['run', writeScenario(yaml), '--out', out], { RTCSTORM_TEST_RUN: id });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.deepEqual(await waitForNoProcessesWithEnv(`RTCSTORM_TEST_RUN=${id}`), [], 'every process of the run is gone');
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
}

type VideoSection = NonNullable<Report['metrics']['video']>;

function video(report: Report, group: string): VideoSection {
  const section = report.groups[group]?.metrics.video;
  assert.ok(section, `group ${group} has a video section`);
  return section;
}

/** The mean of a trend over seconds [from, to] of the run, for one group. */
function meanOver(report: Report, metric: 'video_layer' | 'video_send_kbps' | 'video_layers_sent', group: string, from: number, to: number): number {
  const summary = MetricStore.fromJSON(report.raw).histogram(metric, group, from, to).summary();
  assert.ok(summary, `${group} measured ${metric} in seconds ${from}-${to}`);
  return summary.avg;
}

describe('video bots end to end', () => {
  it('downlink loss: NACK and RTX repair 2% (freezes as on a clean link), 15% grows NACKs, RTX and freezes', async () => {
    const report = await run(`
name: video-loss
seed: 3
duration: 20s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 6 }
fleet:
  - { engine: werift, name: clean, count: 2, video: { simulcast: 3 } }
  - { engine: werift, name: loss2, count: 2, video: { simulcast: 3 } }
  - { engine: werift, name: loss15, count: 2, video: { simulcast: 3 } }
network:
  profiles:
    two: { loss: 2% }
    fifteen: { loss: 15% }
  assign:
    - { group: loss2, profile: two, direction: down }
    - { group: loss15, profile: fifteen, direction: down }
`);
    const [clean, loss2, loss15] = ['clean', 'loss2', 'loss15'].map((g) => video(report, g)) as [VideoSection, VideoSection, VideoSection];
    const figures = JSON.stringify({ clean, loss2, loss15 }, (_key, value: unknown) => (typeof value === 'object' && value !== null && 'p50' in value ? (value as { p50: number }).p50 : value));
    // Each bot hears 5 others at 15 fps for most of 20 s.
    for (const group of [clean, loss2, loss15]) assert.ok(group.video_frames_received > 2 * 5 * 15 * 10, figures);
    assert.ok(loss2.video_rtx_received > 50 && clean.video_rtx_received < loss2.video_rtx_received / 4, `a clean link needs little retransmission: ${figures}`);
    // Per kb/s received: at 15% the SFU's estimate also drops the group to a lower layer (a third of the
    // packets), so repair per packet received is what grows with loss, not always the total.
    const perKbps = (g: VideoSection, n: number): number => n / (g.video_bitrate_kbps?.p50 ?? Infinity);
    assert.ok(perKbps(loss15, loss15.video_rtx_received) > 3 * perKbps(loss2, loss2.video_rtx_received), figures);
    // NACKs over the clean group's: a loaded machine drops some packets on every link, and an SFU skips
    // sequence numbers at layer switches; in a full suite those gave the clean group more NACKs per kb/s than loss2.
    const nacksOverClean = (g: VideoSection): number => perKbps(g, g.video_nacks_sent) - perKbps(clean, clean.video_nacks_sent);
    assert.ok(nacksOverClean(loss15) > 3 * Math.max(nacksOverClean(loss2), 0.2), figures);
    assert.ok(loss2.video_freezes <= clean.video_freezes + 8, `2% is repaired: ${figures}`);
    assert.ok(loss15.video_freezes >= 3 * Math.max(loss2.video_freezes, 3), `15% is not: ${figures}`);
    // Every publisher sent video, and the latency stamp of video packets reads as on loopback.
    assert.ok(clean.video_keyframes_sent >= 6 && (clean.video_latency_ms?.p50 ?? Infinity) < 50, figures);
  });

  it('rate caps: a capped subscriber gets lower layers and comes back up, an uncapped one keeps the top; an uplink cap pauses the top layer', async () => {
    const report = await run(`
name: video-caps
seed: 4
duration: 46s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 4 }
fleet:
  - { engine: werift, name: pub, count: 1, video: { simulcast: 3, bitrateKbps: 500 } }
  - { engine: werift, name: uplinked, count: 1, video: { simulcast: 3, bitrateKbps: 500 } }
  - { engine: werift, name: capped, count: 1, speakers: 0, video: { simulcast: 3 } }
  - { engine: werift, name: free, count: 1, speakers: 0, video: { simulcast: 3 } }
# 500 kb/s ladders (43, 120 and 338 kb/s): what a listener needs for both tops fits under the 1 Mb/s
# mediasoup starts a downlink estimate at, so free has them from the start however slowly its
# estimate would climb further; the caps are below what each needs.
network:
  profiles:
    upcap: { rateKbps: 200 }
    downcap: { rateKbps: 400 }
  assign:
    - { group: uplinked, profile: upcap, direction: up }
chaos:
  - { at: 6s, action: impair, group: capped, profile: downcap, direction: down, for: 12s }
`);
    // The subscribers hear pub (layers 0, 1, 2) and uplinked (0 and 1 fit under its cap): 1.5 is the top of both.
    const layer = (group: string, from: number, to: number): number => meanOver(report, 'video_layer', group, from, to);
    // mediasoup's estimate meets the cap 2-8 s after it starts (once over 11 s, in a full suite: the cap lasts 12 s) and
    // leaves it on its own schedule: the capped listener's lowest 2 s while capped (and the 2 s after), then its best
    // 2 s once the cap is lifted, 3 s to over 20 s later.
    const windows = (from: number, to: number): number[] => Array.from({ length: to - from - 1 }, (_, k) => from + k);
    const lowest = Math.min(...windows(8, 21).map((from) => layer('capped', from, from + 1)));
    const during = { capped: lowest, free: layer('free', 8, 20) };
    const after = Math.max(...windows(21, 44).map((from) => layer('capped', from, from + 1)));
    // From 8 s: the uplink cap is there from the start, and the controller takes a few seconds to find it.
    const sent = { uplinked: meanOver(report, 'video_send_kbps', 'uplinked', 8, 35), pub: meanOver(report, 'video_send_kbps', 'pub', 8, 35) };
    const layersSent = { uplinked: meanOver(report, 'video_layers_sent', 'uplinked', 8, 35), pub: meanOver(report, 'video_layers_sent', 'pub', 8, 35) };
    // What free can get at best late in the run: pub's top layer (2) and uplinked's, whose controller sends 2 or 3 layers under its cap.
    const late = { free: layer('free', 24, 43), top: (2 + meanOver(report, 'video_layers_sent', 'uplinked', 24, 43) - 1) / 2 };
    const figures = JSON.stringify({ during, after, late, sent, layersSent });
    // mediasoup's estimate of an uncapped downlink starts at 1 Mb/s and takes a few seconds (sometimes past 13 s) to reach
    // the top of both streams, so the capped listener is judged against its own layers after the cap, and free later on.
    assert.ok(during.capped <= 1, `capped: lower layers under the cap ${figures}`);
    // Not below the capped one while the cap lasts, and at least a middle layer late on: in some runs mediasoup keeps
    // free at a mean of 1.0 rather than the top 1.5 with bandwidth to spare (seen before the voice work too; docs/video.md).
    assert.ok(during.free >= during.capped && late.free >= 1, `free: not below the capped one ${figures}`);
    assert.ok(after >= during.capped + 0.3, `capped: back up once the cap is lifted ${figures}`);
    assert.ok(sent.uplinked < 200 && layersSent.uplinked <= 2.2, `uplinked sends under its cap, its top layer paused ${figures}`);
    assert.ok(sent.pub > 500 && layersSent.pub === 3, `pub sends every layer ${figures}`);
  });

  it('a late subscriber shows video within 1 s (its PLI answered), and a Chromium page decodes the bots\' VP8', async () => {
    const report = await run(`
name: video-late
seed: 5
duration: 14s
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 1, size: 5 }
fleet:
  - { engine: werift, name: pub, count: 2, video: { simulcast: 3 } }
  # Joins at 0 s and 6 s: the second one finds the publishers' streams running.
  - { engine: werift, name: late, count: 2, speakers: 0, rampUp: 12s, video: { simulcast: 3 } }
  - { engine: browser, name: page, count: 1, video: { codec: vp8, width: 320, height: 180, fps: 15 } }
`);
    const late = video(report, 'late');
    // The bot that joins at 6 s waits for the first keyframe of 3 streams (2 bots, the page), from each stream's announcement.
    const joinedLate = MetricStore.fromJSON(report.raw).histogram('video_keyframe_wait_ms', 'late', 6, 13).summary();
    const figures = JSON.stringify({ late: { joinedLate, frames: late.video_frames_received, plis: late.video_plis_sent }, browser: report.groups['page']?.metrics.browser });
    assert.ok(joinedLate && joinedLate.count >= 3 && joinedLate.max < 1000, figures);
    assert.ok(late.video_frames_received > 2 * 15 * 5, figures);
    const browser = report.groups['page']?.metrics.browser;
    // The page hears 2 bots at 15 fps from about 2 s on; Chromium's freezeCount stays low.
    assert.ok(browser && browser.browser_video_frames_decoded > 2 * 15 * 6 && browser.video_freezes <= 4, figures);
    // And the bots decode the page's video (Chromium's VP8, one encoding, with RTX).
    assert.ok(video(report, 'pub').video_frames_received > 2 * 2 * 15 * 6, figures);
  });
});
