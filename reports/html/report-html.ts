/**
 * report.html: the verdict and every threshold, per-second charts with the run's events marked,
 * the latency distribution, per-group and harness tables. Aggregates only (never one row per bot),
 * so a 1,000-bot, 10-minute run opens as fast as a small one.
 */
import { eventLabel, isChaos, mediaPlaneFact } from '../events.js';
import { count, metricValue, ms, percent } from '../format.js';
import { exitCodes, type ExitCode } from '../exit-codes.js';
import type { CapacitySection, MetricsSection, Report } from '../report-types.js';
import { verdictOf } from '../verdict.js';
import { groupTraceFits, fitText, tracedGroups, traceLabel } from '../trace-fit.js';
import { chartData, type TraceChart } from './chart-data.js';
import { chart, esc, htmlPage, htmlTable } from './page.js';

const verdictClass: Record<ExitCode, string> = { [exitCodes.ok]: 'pass', [exitCodes.thresholdsFailed]: 'fail', [exitCodes.aborted]: 'aborted', [exitCodes.badInput]: 'aborted' };

function header(report: Report): string {
  const facts: Array<[string, string]> = [
    ['seed', String(report.scenario.seed)],
    ['started', report.startedAt],
    ['duration', `${(report.durationMs / 1000).toFixed(1)} s`],
    ['target', `${report.target.kind} ${report.target.urls.join(', ')}`],
    ['bots', `${count(report.bots.joined)} of ${count(report.bots.planned)} joined, ${count(report.bots.failed)} failed`],
    ['packets', `${count(report.packets.sent)} sent, ${count(report.packets.received)} received of ${count(report.packets.expected)} expected`],
    ['scenario file', report.scenario.file ?? '(inline)'],
  ];
  const plane = mediaPlaneFact(report.events);
  if (plane) facts.push(['media plane', plane]);
  return `<h1>rtcstorm · ${esc(report.scenario.name)}</h1>
<div id="verdict" class="verdict ${verdictClass[verdictOf(report).exitCode]}">${esc(verdictOf(report).text)}</div>
<dl class="facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>`;
}

const outcomeWords: Record<CapacitySection['outcome'], string> = { 'target-limit': 'the target\'s limit', 'loader-limit': 'the loader\'s limit, not the target\'s', 'max-reached': 'max reached', incomplete: 'the search ended before its answer' };

/** The answer in a line (the banner above says why it ended). */
function answer(c: CapacitySection): string {
  const held = c.held ? `${count(c.held.bots)} bots in ${count(c.held.rooms)} rooms (${count(c.held.publishers)} publishers, ${count(Math.round(c.held.packetsOutPerSecond))} packets/s out of the target)` : 'no step (capacity 0)';
  const broke = c.broke ? `; broke at ${count(c.broke.step.bots)} bots in ${count(c.broke.step.rooms)} rooms` : '';
  return `Held: ${held}${broke}: ${outcomeWords[c.outcome]}.`;
}

/** A capacity search leads: its answer, every step, and a chart per SLO over the load. */
function capacity(report: Report): string {
  const c = report.capacity;
  if (!c) return '';
  const slos = c.steps[0]?.slo ?? [];
  const outcome: Record<string, string> = { held: '<span class="ok">held</span>', 'target-limit': '<span class="bad">target limit</span>', 'loader-limit': '<span class="bad">loader limit</span>', incomplete: '<span class="muted">incomplete</span>' };
  const rows = c.steps.map((s) => [
    s.probe ? `probe ${s.index}` : String(s.index),
    count(s.rooms),
    count(s.bots),
    count(s.publishers),
    count(Math.round(s.packetsInPerSecond)),
    count(Math.round(s.packetsOutPerSecond)),
    esc(Object.entries(s.targetCpuPercent).map(([node, cpu]) => `${node} ${Math.round(cpu)}%`).join(', ') || '–'),
    ...s.slo.map((v) => (v.ok ? esc(metricValue(v.metric, v.value)) : `<span class="bad">${esc(metricValue(v.metric, v.value))}</span>`)),
    outcome[s.outcome] ?? esc(s.outcome),
  ]);
  const head = ['step', 'rooms', 'bots', 'publishers', 'pkt/s in', 'pkt/s out', 'target CPU', ...slos.map((s) => `${s.metric} ${s.expression}`), 'outcome'];
  const reason = c.broke?.step.reason ? `<p class="warning">Step ${c.broke.step.index}: ${esc(c.broke.step.reason)}</p>` : '';
  return `<h2>Capacity</h2>
<p id="capacity-answer"><b>${esc(answer(c))}</b></p>
${htmlTable(head.map(esc), rows, 'capacity')}
${reason}
<p class="muted">Each SLO is read on a step's hold window (join time on the whole step), after its bots joined. The dashed line is the SLO's limit; the large point, the step that broke it.</p>
<div class="charts">${slos.map((s, i) => chart('capacity', `${s.metric}: ${s.expression}`, i)).join('\n')}</div>`;
}

function thresholds(report: Report): string {
  if (report.capacity && report.thresholds.length === 0) return '';
  if (report.thresholds.length === 0) return '<h2>Thresholds</h2><p class="muted">This scenario sets no thresholds.</p>';
  const rows = report.thresholds.map((t) => [
    `<code>${esc(t.metric)}</code>`,
    `<code>${esc(t.expression)}</code>`,
    esc(metricValue(t.metric, t.value)),
    t.ok ? '<span class="ok">pass</span>' : '<span class="bad">fail</span>',
  ]);
  return `<h2>Thresholds</h2>${htmlTable(['metric', 'expression', 'measured', 'result'], rows, 'thresholds')}`;
}

function charts(): string {
  return `<h2>Over time</h2>
<p class="muted">Chaos steps are labelled lines (shaded while they last); other events, such as bot failures, are ticks along the bottom, taller for more in that second.</p>
<div class="charts">
${chart('bots', 'Bots connected')}
${chart('packets', 'Packets per second')}
${chart('latency', 'End-to-end latency p50 / p95 / p99')}
${chart('loss', 'Packet loss')}
${chart('jitter', 'Jitter p95')}
${chart('server', 'Server CPU per node')}
</div>
<h2>Latency distribution</h2>
<div class="charts">
${chart('latency-histogram', 'Histogram (whole run)')}
${chart('latency-cdf', 'Cumulative distribution (whole run)')}
</div>`;
}

function events(report: Report): string {
  const chaos = report.events.filter(isChaos);
  const others = new Map<string, { n: number; first: number; last: number }>();
  for (const e of report.events) {
    if (isChaos(e)) continue;
    const o = others.get(e.kind) ?? { n: 0, first: e.atMs, last: e.atMs };
    others.set(e.kind, { n: o.n + 1, first: Math.min(o.first, e.atMs), last: Math.max(o.last, e.atMs) });
  }
  const at = (atMs: number): string => `${(atMs / 1000).toFixed(1)} s`;
  const parts = ['<h2>Events</h2>'];
  if (report.events.length === 0) parts.push('<p class="muted">No events.</p>');
  if (chaos.length > 0) {
    const rows = chaos.map((e) => [at(e.atMs), esc(eventLabel(e)), e.ok === false ? '<span class="bad">failed</span>' : '<span class="ok">ok</span>', esc(e.detail ?? '')]);
    parts.push(htmlTable(['at', 'chaos step', 'result', 'detail'], rows, 'chaos-events'));
  }
  if (others.size > 0) {
    const rows = [...others].map(([kind, o]) => [esc(kind), count(o.n), at(o.first), at(o.last)]);
    parts.push(htmlTable(['event', 'count', 'first', 'last'], rows, 'other-events'));
  }
  return parts.join('\n');
}

function recoveries(report: Report): string {
  if (report.recoveries.length === 0) return '';
  const rows = report.recoveries.map((r) => [
    `${(r.atMs / 1000).toFixed(1)} s`,
    esc(`${r.action} ${r.target}`),
    count(r.botFailures),
    ms(r.recoveryTimeMs?.p50),
    ms(r.recoveryTimeMs?.p95),
    ms(r.recoveryTimeMs?.max),
    ms(r.mediaGapMs?.p95),
  ]);
  return `<h2>Recovery per chaos step</h2>
<p class="muted">Failures bots noticed from each step until the next, and how long they took to hear media again.</p>
${htmlTable(['at', 'chaos step', 'bot failures', 'recovery p50', 'p95', 'max', 'media gap p95'], rows, 'recoveries')}`;
}

function skipped(report: Report): string {
  return report.skipped.map((s) => `<p class="warning">Skipped group ${esc(s.group)} (${esc(s.engine)}): ${esc(s.reason)}${s.hint ? `; ${esc(s.hint)}` : ''}</p>`).join('\n');
}

function metricCells(m: MetricsSection): string[] {
  const lat = m.e2e_latency_ms;
  return [ms(lat?.p50), ms(lat?.p95), ms(lat?.p99), percent(m.packet_loss_ratio), ms(m.jitter_ms?.p95), ms(m.join_time_ms?.p95)];
}

function groups(report: Report): string {
  const head = ['group', 'bots joined', 'failed', 'packets sent', 'received', 'latency p50', 'p95', 'p99', 'loss', 'jitter p95', 'join p95'];
  const row = (name: string, g: Pick<Report, 'bots' | 'packets' | 'metrics'>): string[] => [
    name,
    `${count(g.bots.joined)} / ${count(g.bots.planned)}`,
    count(g.bots.failed),
    count(g.packets.sent),
    count(g.packets.received),
    ...metricCells(g.metrics),
  ];
  const rows = [row('<b>all</b>', report), ...Object.entries(report.groups).map(([name, g]) => row(esc(name), g))];
  return `<h2>Groups</h2>${htmlTable(head, rows, 'groups')}`;
}

/**
 * A section per group given network traces: what each trace configured (dashed) over what the
 * group measured, per second, with how far apart they were (trace-fit.ts).
 */
function traces(report: Report, charts: readonly TraceChart[]): string {
  return tracedGroups(report.groups)
    .map(([name, g]) => {
      const fits = groupTraceFits(g).map((fit) => `<li>${esc(traceLabel(fit))}: ${esc(fitText(fit))}</li>`);
      const figures = charts.flatMap((c, i) => (c.group === name ? [chart('trace', c.title, i)] : []));
      return `<h2>Network trace: ${esc(name)}</h2>
<ul class="trace-fit">${fits.join('')}</ul>
<p class="muted">Dashed: what the trace configured at the middle of each second (a Gilbert-Elliott row as its long-run loss; jitter as its half-width or standard deviation). Solid: what the group's bots received (their downlink after their senders' uplinks), per second. Latency: the configured delay is drawn on top of a baseline, the median p50 of the seconds the trace configured no delay (else of the groups with nothing assigned); the error is against the measured p50. The measured rate is not recorded.</p>
<div class="charts">${figures.join('\n')}</div>`;
    })
    .join('\n');
}

/** A band's colour, best to worst (mosBands' order). */
const bandColours = ['#1a7f37', '#4ca64c', '#b8b800', '#e08a00', '#d1452f', '#8b1a1a'];

/** werift bots' voice per group (metrics.voice): MOS and how its stream-seconds spread over G.107's satisfaction bands. */
function voice(report: Report): string {
  const withVoice = Object.entries(report.groups).filter(([, g]) => g.metrics.voice);
  if (withVoice.length === 0) return '';
  const fixed = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toFixed(2));
  const rows = withVoice
    .sort(([, a], [, b]) => (a.metrics.voice!.mos?.avg ?? 5) - (b.metrics.voice!.mos?.avg ?? 5))
    .map(([name, g]) => {
      const v = g.metrics.voice!;
      const total = v.mos_bands.reduce((sum, b) => sum + b.streamSeconds, 0);
      const bar = v.mos_bands
        .map((b, i) => (b.streamSeconds > 0 ? `<span class="band" style="width:${((100 * b.streamSeconds) / total).toFixed(2)}%;background:${bandColours[i]}" title="${esc(b.label)} (MOS ≥ ${b.from}): ${count(b.streamSeconds)} stream-seconds"></span>` : ''))
        .join('');
      return [esc(name), fixed(v.mos?.avg), fixed(v.mos?.p50), `<div class="bands">${bar}</div>`, percent(v.audio_concealed_ratio?.avg ?? null), `${ms(v.playout_delay_ms?.p50)} / ${ms(v.playout_delay_ms?.p99)}`];
    });
  const legend = ['very satisfied', 'satisfied', 'some dissatisfied', 'many dissatisfied', 'nearly all dissatisfied', 'not recommended'].map((label, i) => `<span class="band-key" style="background:${bandColours[i]}"></span>${label}`).join(' ');
  return `<h2>Voice quality (werift bots)</h2>${htmlTable(['group', 'MOS avg', 'MOS p50', 'stream-seconds by ITU-T G.107 satisfaction band', 'concealed', 'playout delay p50 / p99'], rows, 'voice')}
<p class="muted">Worst group first. Each received stream is rated every second it carried speech: the E-model (G.107) from mouth-to-ear delay and the loss a jitter-buffer model left (late packets count as lost). ${legend}</p>`;
}

/** werift bots' video per group, where any sent or received video (metrics.video). */
function video(report: Report): string {
  const withVideo = Object.entries(report.groups).filter(([, g]) => g.metrics.video);
  if (withVideo.length === 0) return '';
  const fixed = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined ? '–' : v.toFixed(digits));
  const rows = withVideo.map(([name, g]) => {
    const v = g.metrics.video!;
    return [esc(name), count(v.video_frames_received), fixed(v.video_fps?.p50, 0), `${count(v.video_freezes)} (${ms(v.video_freeze_ms?.max)})`, fixed(v.video_layer?.avg, 2), fixed(v.video_bitrate_kbps?.p50, 0), `${ms(v.video_latency_ms?.p50)} / ${ms(v.video_latency_ms?.p99)}`, count(v.video_nacks_sent), count(v.video_rtx_received), count(v.video_plis_sent), count(v.video_keyframes_sent), fixed(v.video_send_kbps?.avg, 0), fixed(v.video_layers_sent?.avg, 1)];
  });
  const head = ['group', 'frames', 'fps p50', 'freezes (longest)', 'layer', 'kb/s p50', 'latency p50 / p99', 'NACKed', 'RTX', 'PLIs', 'keyframes sent', 'send kb/s', 'layers sent'];
  return `<h2>Video (werift bots)</h2>${htmlTable(head, rows, 'video')}
<p class="muted">Received, per stream: frames shown, the mean simulcast layer (0 is 160×90, 2 is 640×360), kb/s. Sent, per publisher: keyframes, the congestion controller's mean rate, the layers not paused.</p>`;
}

/** Rooms come worst first; a large run shows its worst few and counts the rest. */
const roomsShown = 10;

function rooms(report: Report): string {
  if (report.rooms.length === 0) return '';
  const mos = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toFixed(2));
  const rows = report.rooms.slice(0, roomsShown).map((r) => [esc(r.room), count(r.bots), count(r.packetsExpected), percent(r.lossRatio), mos(r.mosP5), mos(r.mosAvg), percent(r.audioConcealedRatio ?? null), count(r.mediaGaps), count(r.botFailures)]);
  const rest = report.rooms.length - roomsShown;
  const more = rest > 0 ? `<p class="muted">${count(rest)} more rooms, all doing at least as well; report.json lists every room.</p>` : '';
  return `<h2>Rooms${rest > 0 ? `: the ${roomsShown} worst of ${count(report.rooms.length)}` : ''}</h2>
${htmlTable(['room', 'bots', 'packets expected', 'loss', 'MOS p5', 'MOS avg', 'concealed', 'media gaps', 'bot failures'], rows, 'rooms')}
${more}`;
}

function harness(report: Report): string {
  const procs = report.harness.processes;
  if (procs.length === 0) return '<h2>Harness health</h2><p class="muted">No harness samples.</p>';
  const pct = (v: number | null): string => (v === null ? '–' : `${v.toFixed(0)}%`);
  const rows = procs.map((p) => [esc(p.id), pct(p.cpuPercentAvg), pct(p.cpuPercentMax), ms(p.eventLoopLagP99Ms), ms(p.reportDelayP99Ms ?? null), p.secondsMissing === undefined ? '–' : count(p.secondsMissing)]);
  const verdict = report.harness.valid
    ? "<p class=\"muted\">Every harness process stayed within the scenario's harness limits, and the load happened as planned.</p>"
    : `<p class="warning">${esc(report.harness.invalidReason ?? 'the loader was saturated')}</p>`;
  return `<h2>Harness health</h2>${htmlTable(['harness process', 'CPU avg', 'CPU max', 'event-loop lag p99', 'samples late p99', 'seconds missing'], rows, 'harness')}\n${planTable(report)}\n${verdict}`;
}

/** Per group: the load the plan called for against what happened. */
function planTable(report: Report): string {
  const groups = Object.entries(report.harness.plan ?? {});
  if (groups.length === 0) return '';
  const rows = groups.map(([name, g]) => [
    esc(name),
    `${count(report.groups[name]?.bots.joined ?? 0)} / ${count(g.botsPlanned)}`,
    g.joinBacklogMax ? `${count(g.joinBacklogMax.bots)} of ${count(g.joinBacklogMax.due)} at t=${g.joinBacklogMax.t + 1}s` : 'none',
    count(g.packetsSent),
    count(g.packetsSkipped),
    percent(g.sendDeficit),
  ]);
  return htmlTable(['group', 'joined / planned', 'largest join backlog', 'packets sent', 'skipped (process late)', 'send deficit'], rows, 'plan');
}

export function reportHtml(report: Report): string {
  const data = chartData(report);
  const body = [
    header(report),
    capacity(report),
    skipped(report),
    thresholds(report),
    charts(),
    events(report),
    recoveries(report),
    groups(report),
    // Only runs with traces have the section: an untraced run's page is as it was.
    ...(data.traces ? [traces(report, data.traces)] : []),
    voice(report),
    video(report),
    rooms(report),
    harness(report),
    `<footer>rtcstorm ${esc(report.tool.version)} · report.json schemaVersion ${report.schemaVersion} · re-render with <code>rtcstorm report &lt;dir&gt;</code></footer>`,
  ].join('\n');
  return htmlPage(`rtcstorm · ${report.scenario.name} · ${verdictOf(report).text}`, body, data);
}
