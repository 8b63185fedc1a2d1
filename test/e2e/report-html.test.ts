/**
 * report.html and compare.html as a person opens them: real headless Chromium on file:// pages built
 * from a real short run, from a copy of its report with chaos events injected and re-rendered by
 * `rtcstorm report`, and from `rtcstorm compare` of the two.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { exitCodes } from '../../reports/exit-codes.js';
import { readReport } from '../../reports/read-report.js';
import { verdictOf } from '../../reports/verdict.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { writeTinyScenario } from '../helpers/tiny-scenario.js';

const timeCharts = ['bots', 'packets', 'latency', 'loss', 'jitter'];
const verdictCodes: number[] = [exitCodes.ok, exitCodes.thresholdsFailed, exitCodes.aborted];

interface OpenedPage { page: Page; problems: string[] }

async function open(browser: Browser, file: string): Promise<OpenedPage> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForSelector('body[data-charts-ready]', { timeout: 10_000 });
  return { page, problems };
}

function eventMarks(page: Page, chart: string): Promise<string | null> {
  return page.$eval(`#chart-${chart}`, (el) => el.getAttribute('data-event-marks'));
}

describe('report.html in Chromium', () => {
  let browser: Browser;
  let profile: string;
  let runDir: string;
  let chaosDir: string;

  before(async () => {
    const scenario = writeTinyScenario('html-check', '{ e2e_latency_ms: ["p(99)<500"] }');
    runDir = tempDir('html-run');
    const run = await runCli(['run', scenario, '--out', runDir]);
    // Any verdict will do (a busy machine may make the run invalid): the page is what is checked.
    assert.ok(run.code !== null && verdictCodes.includes(run.code), run.stderr);

    chaosDir = tempDir('html-chaos');
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as { events: unknown[] };
    report.events.push(
      { atMs: 1500, kind: 'chaos', action: 'kill', target: 'node-0', ok: true },
      { atMs: 3000, kind: 'chaos', action: 'pause', target: 'node-0', ok: false, detail: 'SIGSTOP refused', durationMs: 1500 },
    );
    mkdirSync(chaosDir, { recursive: true });
    writeFileSync(join(chaosDir, 'report.json'), JSON.stringify(report));
    const rerender = await runCli(['report', chaosDir]);
    assert.equal(rerender.code, 0, rerender.stderr);

    profile = tempDir('chromium-profile');
    browser = await puppeteer.launch({
      executablePath: '/usr/bin/chromium',
      userDataDir: profile,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('renders every chart with no console errors or failed requests, and the verdict of report.json', async () => {
    const { page, problems } = await open(browser, join(runDir, 'report.html'));
    try {
      for (const chart of [...timeCharts, 'latency-histogram', 'latency-cdf']) {
        assert.equal(await page.$$eval(`#chart-${chart} canvas`, (c) => c.length), 1, `chart ${chart} has a canvas`);
      }
      const report = readReport(runDir);
      const hasServerData = report.server.nodes.some((n) => n.points.length > 0);
      const server = await page.$eval('#chart-server', (el) => ({ canvases: el.querySelectorAll('canvas').length, text: el.textContent ?? '' }));
      assert.ok(hasServerData ? server.canvases === 1 : server.text === 'no server data', JSON.stringify(server));
      assert.equal(await page.$eval('#verdict', (el) => el.textContent), verdictOf(report).text);
      for (const chart of timeCharts) assert.equal(await eventMarks(page, chart), '0');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('marks injected chaos events on every time chart and lists them', async () => {
    const { page, problems } = await open(browser, join(chaosDir, 'report.html'));
    try {
      for (const chart of timeCharts) assert.equal(await eventMarks(page, chart), '2', `chart ${chart}`);
      const rows = await page.$$eval('table.chaos-events tbody tr', (trs) => trs.map((tr) => tr.textContent));
      assert.deepEqual(rows, ['1.5 skill node-0ok', '3.0 spause node-0failedSIGSTOP refused']);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('compare.html draws the baseline and the candidate over each other on every chart', async () => {
    const out = tempDir('html-compare');
    const compared = await runCli(['compare', runDir, chaosDir, '--out', out]);
    assert.equal(compared.code, 0, compared.stderr);
    const { page, problems } = await open(browser, join(out, 'compare.html'));
    try {
      for (const chart of ['compare-latency-p50', 'compare-latency-p99', 'compare-loss', 'compare-latency-cdf']) {
        assert.equal(await page.$$eval(`#chart-${chart} canvas`, (c) => c.length), 1, `chart ${chart} has a canvas`);
        const legend = await page.$$eval(`#chart-${chart} .u-legend .u-series th`, (ths) => ths.map((th) => th.textContent?.trim()));
        assert.deepEqual(legend.slice(1), ['baseline', 'candidate'], `chart ${chart}: ${JSON.stringify(legend)}`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
