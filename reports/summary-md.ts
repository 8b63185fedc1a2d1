/** summary.md: a short Markdown table for a pull-request comment or a CI job summary. */
import { count, metricValue, ms, percent } from './format.js';
import type { MetricsSection, Report } from './report-types.js';
import { verdictOf } from './verdict.js';

function metricRows(label: string, m: MetricsSection): string {
  const lat = m.e2e_latency_ms;
  return `| ${label} | ${ms(lat?.p50)} | ${ms(lat?.p95)} | ${ms(lat?.p99)} | ${percent(m.packet_loss_ratio)} | ${ms(m.jitter_ms?.p95)} | ${ms(m.join_time_ms?.p95)} |`;
}

export function summaryMarkdown(report: Report): string {
  const verdict = verdictOf(report);
  const lines = [
    `## rtcstorm: ${report.scenario.name} — ${verdict.text}`,
    '',
    `Seed ${report.scenario.seed} · ${(report.durationMs / 1000).toFixed(1)} s · started ${report.startedAt} · bots ${count(report.bots.joined)}/${count(report.bots.planned)} joined, ${count(report.bots.failed)} failed · packets ${count(report.packets.sent)} sent, ${count(report.packets.received)} received`,
    '',
    '| group | latency p50 | p95 | p99 | loss | jitter p95 | join p95 |',
    '|---|---|---|---|---|---|---|',
    metricRows('**all**', report.metrics),
    ...Object.entries(report.groups).map(([name, g]) => metricRows(name, g.metrics)),
  ];
  if (report.thresholds.length > 0) {
    lines.push('', '| threshold | measured | result |', '|---|---|---|');
    for (const t of report.thresholds) lines.push(`| \`${t.metric}: ${t.expression}\` | ${metricValue(t.metric, t.value)} | ${t.ok ? '✅ pass' : '❌ fail'} |`);
  }
  const lag = report.harness.processes.map((p) => p.eventLoopLagP99Ms ?? 0);
  if (lag.length > 0) lines.push('', `Harness: ${report.harness.processes.length} fleet processes, event-loop lag p99 up to ${ms(Math.max(...lag))}.`);
  return `${lines.join('\n')}\n`;
}
