import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Histogram } from '../../core/metrics/histogram.js';
import { compareReports, type Comparison } from '../../reports/compare/compare.js';
import { percentileInterval, proportionInterval } from '../../reports/compare/noise.js';
import type { Report } from '../../reports/report-types.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { seededReport } from '../helpers/seeded-report.js';

function runDir(report: Report, parent = tempDir('compare')): string {
  mkdirSync(parent, { recursive: true });
  writeFileSync(join(parent, 'report.json'), JSON.stringify(report));
  return parent;
}

function status(c: Comparison, metric: string): string {
  return c.rows.find((r) => r.metric === metric)!.status;
}

const tolerance = 0.1;

describe('rtcstorm compare', () => {
  it('exits 99 on a constructed regression and 0 on equal runs, writing compare.md and compare.html', async () => {
    const baseline = runDir(seededReport({ seed: 1, latencyMedianMs: 20 }));
    const same = runDir(seededReport({ seed: 1, latencyMedianMs: 20 }));
    const slower = runDir(seededReport({ seed: 2, latencyMedianMs: 30 }));

    const equal = await runCli(['compare', baseline, same]);
    assert.equal(equal.code, 0, equal.stderr);
    assert.match(equal.stdout, /NO REGRESSION/);

    const regressed = await runCli(['compare', baseline, slower, '--tolerance', '10%']);
    assert.equal(regressed.code, 99, regressed.stderr);
    assert.match(regressed.stdout, /REGRESSED/);
    assert.match(regressed.stdout, /`e2e_latency_ms\.p50` .*❌ regressed/);
    assert.ok(existsSync(join(slower, 'compare.md')) && existsSync(join(slower, 'compare.html')));
  });

  it('--metrics limits the comparison, and an unknown metric is a usage error', async () => {
    const baseline = runDir(seededReport({ seed: 1, latencyMedianMs: 20 }));
    const slower = runDir(seededReport({ seed: 2, latencyMedianMs: 30 }));
    const lossOnly = await runCli(['compare', baseline, slower, '--metrics', 'packet_loss_ratio']);
    assert.equal(lossOnly.code, 0, lossOnly.stderr);
    assert.doesNotMatch(lossOnly.stdout, /e2e_latency_ms/);
    const unknown = await runCli(['compare', baseline, slower, '--metrics', 'latency']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown metric "latency"/);
  });

  it('one baseline run: worse past tolerance is noise when the samples are too few to tell, a regression when they are many', () => {
    const few = { packetsPerSecond: 2, seconds: 5 };
    const fewSamples = compareReports([seededReport({ seed: 1, latencyMedianMs: 20, ...few })], seededReport({ seed: 2, latencyMedianMs: 23, ...few }), { tolerance });
    assert.equal(status(fewSamples, 'e2e_latency_ms.p50'), 'noise');
    assert.equal(fewSamples.rows.find((r) => r.metric === 'e2e_latency_ms.p50')!.noiseFrom, 'confidence intervals');
    assert.equal(fewSamples.regressed, false);

    const manySamples = compareReports([seededReport({ seed: 1, latencyMedianMs: 20 })], seededReport({ seed: 2, latencyMedianMs: 23 }), { tolerance });
    assert.equal(status(manySamples, 'e2e_latency_ms.p50'), 'regressed');
    assert.equal(manySamples.regressed, true);
  });

  it('several baseline runs: their spread is the noise', () => {
    const baselines = [18, 20, 23].map((latencyMedianMs, i) => seededReport({ seed: 10 + i, latencyMedianMs }));
    const withinSpread = compareReports(baselines, seededReport({ seed: 20, latencyMedianMs: 22.5 }), { tolerance });
    const row = withinSpread.rows.find((r) => r.metric === 'e2e_latency_ms.p50')!;
    assert.equal(row.noiseFrom, 'baseline runs');
    assert.equal(row.status, 'noise');
    const pastSpread = compareReports(baselines, seededReport({ seed: 20, latencyMedianMs: 30 }), { tolerance });
    assert.equal(status(pastSpread, 'e2e_latency_ms.p50'), 'regressed');
  });

  it('within tolerance is ok, better is improved, loss from zero is a regression, metrics without data are left out', () => {
    const base = seededReport({ seed: 1, latencyMedianMs: 20 });
    assert.equal(status(compareReports([base], seededReport({ seed: 2, latencyMedianMs: 20.5 }), { tolerance }), 'e2e_latency_ms.p50'), 'ok');
    assert.equal(status(compareReports([base], seededReport({ seed: 2, latencyMedianMs: 10 }), { tolerance }), 'e2e_latency_ms.p50'), 'improved');
    const lossy = compareReports([base], seededReport({ seed: 1, latencyMedianMs: 20, lossRatio: 0.05 }), { tolerance });
    assert.equal(status(lossy, 'packet_loss_ratio'), 'regressed');
    assert.equal(lossy.rows.find((r) => r.metric === 'packet_loss_ratio')!.relative, Infinity);
    assert.equal(status(lossy, 'recovery_time_ms.p95'), 'no data');
    assert.equal(status(lossy, 'server_cpu_percent_per_bot'), 'no data');
  });

  it('a candidate without latency samples, where the baseline had them, regresses', () => {
    const silent = compareReports([seededReport({ seed: 1 })], seededReport({ seed: 2, packetsPerSecond: 0 }), { tolerance });
    assert.equal(status(silent, 'e2e_latency_ms.p99'), 'missing');
    assert.equal(status(silent, 'packet_loss_ratio'), 'missing');
    assert.equal(status(silent, 'join_time_ms.p95'), 'ok');
    assert.equal(silent.regressed, true);
  });
});

describe('noise estimates', () => {
  it('a percentile interval contains the percentile and narrows as samples grow', () => {
    const width = (n: number): number => {
      const h = new Histogram(1000);
      for (let i = 1; i <= n; i++) h.record(i / n);
      const ci = percentileInterval(h, 95)!;
      assert.ok(ci.low <= h.percentile(95) && h.percentile(95) <= ci.high, JSON.stringify(ci));
      return ci.high - ci.low;
    };
    assert.ok(width(100_000) < width(1000) / 5);
    assert.equal(percentileInterval(new Histogram(1000), 50), null);
  });

  it('a proportion interval at zero failures is above zero and shrinks with trials', () => {
    const small = proportionInterval(0, 100)!;
    const large = proportionInterval(0, 100_000)!;
    assert.equal(small.low, 0);
    assert.ok(small.high > 0.01 && large.high < 0.0001, `${small.high} ${large.high}`);
  });
});
