/**
 * The media planes end to end, through real mediasoup: the same scenario with 3% downlink loss on
 * the native plane and on the TypeScript one gives the same verdict and the same figures within a
 * run's noise; and a fleet process that dies of a fault (the native code's failure mode) is reported
 * as a crash, never a quiet loss of bots.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Report } from '../../reports/report-types.js';
import { runCli, startMarkedCli, tempDir, writeScenario, type CliRun } from '../helpers/cli.js';
import { processesWithEnv, waitForNoProcessesWithEnv } from '../helpers/processes.js';

// 12 s: ~12,000 packets per plane, so the 3% loss reads within 0.2 points (1 sd) of the margins below.
const scenario = (plane: string, duration = '12s'): string => `
name: plane-${plane}
seed: 4
duration: ${duration}
target: { bundled: { nodes: 1, workersPerNode: 1 } }
rooms: { count: 2, size: 4 }
media: { plane: ${plane} }
fleet:
  - { engine: werift, name: voice, count: 8, rampUp: 2s }
network:
  profiles: { lossy: { loss: 3% } }
  assign: [{ group: voice, profile: lossy, direction: down }]
thresholds:
  packet_loss_ratio: ["value<0.2"]
`;

const readReport = (dir: string): Report => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;

/** true once a progress line shows all planned bots connected; false if the run ended first. */
function allConnected(run: CliRun, planned: number): Promise<boolean> {
  return new Promise((resolve) => {
    let text = '';
    run.child.stderr!.on('data', (d: Buffer) => {
      text = (text + d.toString()).slice(-4000);
      if (text.includes(`bots ${planned}/${planned} connected`)) resolve(true);
    });
    void run.result.then(() => resolve(false));
  });
}

describe('media planes end to end', () => {
  it('native and TypeScript planes: same scenario, same verdict, loss and MOS alike; native latency no higher', async () => {
    const reports: Record<string, Report> = {};
    for (const plane of ['native', 'typescript']) {
      const out = tempDir(`plane-${plane}`);
      const result = await runCli(['run', writeScenario(scenario(plane)), '--out', out]);
      assert.ok(result.code === 0 || result.code === 2, `${plane}: exit ${result.code}\n${result.stderr}${result.stdout}`);
      reports[plane] = readReport(out);
    }
    const [native, typescript] = [reports['native']!, reports['typescript']!];
    const loss = (r: Report): number => r.metrics.packet_loss_ratio ?? NaN;
    const mosP50 = (r: Report): number => r.groups['voice']!.metrics.voice?.mos?.p50 ?? NaN;
    const latencyP50 = (r: Report): number => r.metrics.e2e_latency_ms?.p50 ?? NaN;
    console.log(`# native: loss ${(100 * loss(native)).toFixed(2)}%, MOS p50 ${mosP50(native).toFixed(2)}, latency p50 ${latencyP50(native).toFixed(2)} ms; typescript: loss ${(100 * loss(typescript)).toFixed(2)}%, MOS p50 ${mosP50(typescript).toFixed(2)}, latency p50 ${latencyP50(typescript).toFixed(2)} ms`);
    for (const [plane, report] of Object.entries(reports)) {
      assert.equal(report.events.find((e) => e.kind === 'media-plane')?.detail, `werift bots on the ${plane} media plane`);
      assert.equal(report.groups['voice']!.bots.failed, 0, `${plane}: no bot failed`);
      assert.ok(loss(report) > 0.015 && loss(report) < 0.05, `${plane}: the 3% loss is measured (${loss(report)})`);
    }
    assert.ok(Math.abs(loss(native) - loss(typescript)) < 0.015, `loss ${loss(native)} against ${loss(typescript)}`);
    assert.ok(Math.abs(mosP50(native) - mosP50(typescript)) < 0.3, `MOS p50 ${mosP50(native)} against ${mosP50(typescript)}`);
    assert.ok(latencyP50(native) <= latencyP50(typescript) + 0.5, `latency p50 ${latencyP50(native)} ms against ${latencyP50(typescript)} ms`);
  });

  it('a fleet process killed by SIGSEGV mid-run is reported as a crash and the run is not green', async () => {
    const out = tempDir('plane-crash');
    const { run, marker } = startMarkedCli(['run', writeScenario(scenario('native', '9s')), '--out', out]);
    // Once the bots are in (ramp-up 2 s; the progress line says so at about 3 s), one fleet process dies as a fault in the addon would end it.
    assert.ok(await allConnected(run, 8), 'the run ended before all bots were connected');
    const fleet = processesWithEnv(marker).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('fleet-process.js');
      } catch {
        return false;
      }
    });
    assert.ok(fleet.length > 0, 'a fleet process to kill');
    process.kill(Number(fleet[0]), 'SIGSEGV');
    const result = await run.result;
    assert.notEqual(result.code, 0, `a crashed run must not pass\n${result.stdout}`);
    const report = readReport(out);
    assert.match(report.abortReason ?? '', /engine process crashed: fleet-\d was killed by SIGSEGV/);
    assert.deepEqual(await waitForNoProcessesWithEnv(marker), [], 'every process of the run is gone');
  });
});
