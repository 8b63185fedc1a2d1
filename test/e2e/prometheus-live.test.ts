/** `run --prometheus`: a real short run scraped while it runs, as Prometheus would. */
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { exitCodes } from '../../reports/exit-codes.js';
import { startCli, tempDir } from '../helpers/cli.js';
import { waitForNoProjectProcesses } from '../helpers/processes.js';
import { writeTinyScenario } from '../helpers/tiny-scenario.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Scrape { contentType: string; text: string }

/** Sum of a metric's samples over all label sets, from the text format. */
function total(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

async function scrape(url: string): Promise<Scrape | null> {
  try {
    const res = await fetch(url, { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } });
    return { contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  } catch {
    return null; // not listening (yet, or any more)
  }
}

describe('rtcstorm run --prometheus', () => {
  it('serves OpenMetrics while the run goes on: bots connected, growing packet counters', async () => {
    const port = await freePort();
    const scenario = writeTinyScenario('prometheus-check');
    const run = startCli(['run', scenario, '--out', tempDir('prometheus-run'), '--prometheus', `127.0.0.1:${port}`]);
    let exited = false;
    const result = run.result.finally(() => (exited = true));
    const scrapes: Scrape[] = [];
    while (!exited) {
      const s = await scrape(`http://127.0.0.1:${port}/metrics`);
      if (s) scrapes.push(s);
      await sleep(500);
    }
    const { code, stderr } = await result;
    // Any verdict will do (a busy machine may make the run invalid): the live endpoint is what is checked.
    assert.ok(code !== null && ([exitCodes.ok, exitCodes.thresholdsFailed, exitCodes.aborted] as number[]).includes(code), stderr);
    assert.ok(scrapes.length > 0, 'scraped at least once');
    for (const s of scrapes) {
      assert.match(s.contentType, /^application\/openmetrics-text; version=1\.0\.0/);
      assert.match(s.text, /# EOF\n$/);
    }
    assert.ok(scrapes.some((s) => total(s.text, 'rtcstorm_bots_connected') > 0), 'bots connected > 0 in some scrape');
    for (const counter of ['rtcstorm_packets_sent_total', 'rtcstorm_packets_received_total']) {
      const values = scrapes.map((s) => total(s.text, counter));
      assert.ok(values.some((v, i) => i > 0 && v > values[i - 1]! && values[i - 1]! > 0), `${counter} grows: ${values.join(', ')}`);
      assert.ok(values.every((v, i) => i === 0 || v >= values[i - 1]!), `${counter} never decreases: ${values.join(', ')}`);
    }
    assert.equal(await scrape(`http://127.0.0.1:${port}/metrics`), null, 'the endpoint closes with the run');
    assert.deepEqual(await waitForNoProjectProcesses(), []);
  });
});
