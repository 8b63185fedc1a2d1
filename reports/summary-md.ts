/** summary.md: a short Markdown table for a pull-request comment or a CI job summary. */
import { eventLabel, isChaos, mediaPlaneFact } from './events.js';
import { count, metricValue, ms, percent } from './format.js';
import type { MetricsSection, Report } from './report-types.js';
import { verdictOf } from './verdict.js';
import { capacityLines } from './capacity/capacity-md.js';
import { fitText, groupTraceFits, traceDetails, tracedGroups } from './trace-fit.js';

function metricRows(label: string, m: MetricsSection): string {
  const lat = m.e2e_latency_ms;
  return `| ${label} | ${ms(lat?.p50)} | ${ms(lat?.p95)} | ${ms(lat?.p99)} | ${percent(m.packet_loss_ratio)} | ${ms(m.jitter_ms?.p95)} | ${ms(m.join_time_ms?.p95)} |`;
}

function signallingRow(label: string, m: MetricsSection): string {
  const rtt = m.signalling_rtt_ms;
  return `| ${label} | ${ms(rtt?.p50)} | ${ms(rtt?.p95)} | ${ms(rtt?.p99)} | ${ms(m.join_ack_ms?.p95)} | ${percent(m.k6_checks_rate)} |`;
}

/** The k6 groups' signalling table, when k6 measured anything. */
function signallingLines(report: Report): string[] {
  const measured = (m: MetricsSection): boolean => m.signalling_rtt_ms !== null || m.k6_checks_rate !== null;
  if (!measured(report.metrics)) return [];
  return [
    '',
    '| signalling (k6) | rtt p50 | p95 | p99 | join ack p95 | checks passed |',
    '|---|---|---|---|---|---|',
    signallingRow('**all**', report.metrics),
    ...Object.entries(report.groups).flatMap(([name, g]) => (measured(g.metrics) ? [signallingRow(name, g.metrics)] : [])),
  ];
}

/** werift bots' video per group, where any sent or received video. */
function videoLines(report: Report): string[] {
  const withVideo = Object.entries(report.groups).filter(([, g]) => g.metrics.video);
  if (withVideo.length === 0) return [];
  const fixed = (v: number | null | undefined, digits: number): string => (v === null || v === undefined ? '–' : v.toFixed(digits));
  return [
    '',
    '| video | frames shown | fps p50 | freezes | layer (mean) | latency p50 | NACKed | RTX | PLIs | send kb/s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...withVideo.map(([name, g]) => {
      const v = g.metrics.video!;
      return `| ${name} | ${count(v.video_frames_received)} | ${fixed(v.video_fps?.p50, 0)} | ${count(v.video_freezes)} | ${fixed(v.video_layer?.avg, 2)} | ${ms(v.video_latency_ms?.p50)} | ${count(v.video_nacks_sent)} | ${count(v.video_rtx_received)} | ${count(v.video_plis_sent)} | ${fixed(v.video_send_kbps?.avg, 0)} |`;
    }),
  ];
}

/** werift bots' voice quality per group, where they rated any received stream. */
function voiceLines(report: Report): string[] {
  const withVoice = Object.entries(report.groups).filter(([, g]) => g.metrics.voice);
  if (withVoice.length === 0) return [];
  const fixed = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toFixed(2));
  return [
    '',
    '| voice | MOS p50 | MOS avg | stream-seconds under 3.6 | concealed p95 | playout delay p50 |',
    '|---|---|---|---|---|---|',
    ...withVoice.map(([name, g]) => {
      const v = g.metrics.voice!;
      const total = v.mos_bands.reduce((sum, b) => sum + b.streamSeconds, 0);
      const under = v.mos_bands.filter((b) => b.from < 3.6).reduce((sum, b) => sum + b.streamSeconds, 0);
      return `| ${name} | ${fixed(v.mos?.p50)} | ${fixed(v.mos?.avg)} | ${percent(total > 0 ? under / total : null)} | ${percent(v.audio_concealed_ratio?.p95 ?? null)} | ${ms(v.playout_delay_ms?.p50)} |`;
    }),
  ];
}

/** Groups given network traces: per trace, how far what they measured was from what it configured. */
function traceLines(report: Report): string[] {
  const lines = tracedGroups(report.groups).flatMap(([name, g]) => groupTraceFits(g).map((fit) => `- \`${name}\`: profile \`${fit.profile}\` (${traceDetails(fit)}): ${fitText(fit)}`));
  return lines.length === 0 ? [] : ['', 'Network traces, configured against measured:', ...lines];
}

function skippedLines(report: Report): string[] {
  if (report.skipped.length === 0) return [];
  return ['', 'Skipped groups (the rest of the run went on):', ...report.skipped.map((s) => `- \`${s.group}\` (${s.engine}): ${s.reason}${s.hint ? `; ${s.hint}` : ''}`)];
}

/** Chaos steps, the failed ones by name, and what they cost the bots. */
function chaosLines(report: Report): string[] {
  const steps = report.events.filter(isChaos);
  if (steps.length === 0) return [];
  const failed = steps.filter((e) => e.ok === false).map((e) => `${eventLabel(e)} at ${(e.atMs / 1000).toFixed(1)} s`);
  const recovery = report.metrics.recovery_time_ms;
  return [
    '',
    `Chaos: ${steps.length} step${steps.length === 1 ? '' : 's'}${failed.length > 0 ? `, ${failed.length} failed to apply (${failed.join(', ')})` : ''}; ` +
      `${count(report.metrics.bot_failures)} bot failures${recovery ? `, recovery p50 ${ms(recovery.p50)}, p95 ${ms(recovery.p95)}, max ${ms(recovery.max)}` : ''}.`,
  ];
}

/** Per group, the plan against what happened: joins on time, and scheduled packets sent. */
function planLines(report: Report): string[] {
  const groups = Object.entries(report.harness.plan ?? {});
  if (groups.length === 0) return [];
  const text = groups.map(([name, g]) => {
    const joined = report.groups[name]?.bots.joined ?? 0;
    const backlog = g.joinBacklogMax ? `join backlog up to ${count(g.joinBacklogMax.bots)} of ${count(g.joinBacklogMax.due)} due bots at t=${g.joinBacklogMax.t + 1}s` : 'never behind the join plan';
    const scheduled = g.packetsSent + g.packetsSkipped;
    const sends = g.packetsSkipped > 0 ? `${count(g.packetsSent)} of ${count(scheduled)} scheduled packets sent (${percent(g.sendDeficit)} skipped)` : `${count(g.packetsSent)} scheduled packets sent, none skipped`;
    return `\`${name}\` ${count(joined)}/${count(g.botsPlanned)} joined, ${backlog}; ${sends}`;
  });
  return ['', `Load against the plan: ${text.join('; ')}.`];
}

function mediaPlaneText(report: Report): string {
  const plane = mediaPlaneFact(report.events);
  return plane ? ` · ${plane}` : '';
}

export function summaryMarkdown(report: Report): string {
  const verdict = verdictOf(report);
  const lines = [
    `## rtcstorm: ${report.scenario.name} — ${verdict.text}`,
    '',
    `Seed ${report.scenario.seed} · ${(report.durationMs / 1000).toFixed(1)} s · started ${report.startedAt} · bots ${count(report.bots.joined)}/${count(report.bots.planned)} joined, ${count(report.bots.failed)} failed · packets ${count(report.packets.sent)} sent, ${count(report.packets.received)} received${mediaPlaneText(report)}`,
    '',
    // A search leads with its answer; the tables below are of the whole run, every step together.
    ...(report.capacity ? [...capacityLines(report.capacity), ''] : []),
    '| group | latency p50 | p95 | p99 | loss | jitter p95 | join p95 |',
    '|---|---|---|---|---|---|---|',
    metricRows('**all**', report.metrics),
    ...Object.entries(report.groups).map(([name, g]) => metricRows(name, g.metrics)),
    ...signallingLines(report),
    ...voiceLines(report),
    ...videoLines(report),
    ...traceLines(report),
    ...skippedLines(report),
  ];
  if (report.thresholds.length > 0) {
    lines.push('', '| threshold | measured | result |', '|---|---|---|');
    for (const t of report.thresholds) lines.push(`| \`${t.metric}: ${t.expression}\` | ${t.notEvaluated ? t.notEvaluated : metricValue(t.metric, t.value)} | ${t.notEvaluated ? '⏭️ not evaluated' : t.ok ? '✅ pass' : '❌ fail'} |`);
  }
  lines.push(...chaosLines(report));
  lines.push(...planLines(report));
  const fleet = report.harness.processes.filter((p) => p.id.startsWith('fleet-'));
  const lag = report.harness.processes.map((p) => p.eventLoopLagP99Ms ?? 0);
  const machine = report.harness.machine;
  const machineText = machine ? `; fleet and target at ${Math.round(machine.cpuPercentMedian)}% of the machine's ${machine.cores} cores (median second), ${Math.round(machine.cpuPercentMax)}% at most` : '';
  const missing = report.harness.processes.filter((p) => (p.secondsMissing ?? 0) > 0).map((p) => `${p.id} ${p.secondsMissing} s`);
  const missingText = missing.length > 0 ? `; samples not delivered in time: ${missing.join(', ')}` : '';
  if (lag.length > 0) lines.push('', `Harness: ${fleet.length} fleet processes, event-loop lag p99 up to ${ms(Math.max(...lag))}${missingText}${machineText}.`);
  lines.push('', 'Charts, events and the latency distribution: `report.html`; CI test results: `junit.xml`.');
  return `${lines.join('\n')}\n`;
}
