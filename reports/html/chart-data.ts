/** The numbers report.html and compare.html draw, taken from reports: per-second series, event marks, the latency distribution. */
import { MetricStore } from '../../core/metrics/store.js';
import { distribution, type Distribution } from '../distribution.js';
import { eventMarks, type EventMark } from '../events.js';
import type { Report } from '../report-types.js';
import { groupTraceFits, tracedGroups, traceLabel, type GroupTrace } from '../trace-fit.js';

type Series = Array<number | null>;

export interface ChartData {
  /** Seconds since the run's start; every timeline series is aligned to it. */
  t: number[];
  botsConnected: Series;
  packetsSentPerS: Series;
  packetsReceivedPerS: Series;
  /** Packets the send schedules called for that late processes skipped; null when none were. */
  packetsSkippedPerS: Series | null;
  latencyP50Ms: Series;
  latencyP95Ms: Series;
  latencyP99Ms: Series;
  jitterP95Ms: Series;
  lossPercent: Series;
  /** CPU of each SFU node on its own time axis; null when the report has no server data. */
  server: { t: number[]; nodes: Array<{ id: string; cpuPercent: Series }> } | null;
  marks: EventMark[];
  latency: Distribution | null;
  /** A capacity search: per SLO, its value at each step's load (bots), its limit, and the step that broke it; null for a run of fixed load. */
  capacity: CapacityChart[] | null;
  /** Groups given network traces: configured over measured, per second on `t`; absent when no group was (the page then has no such section). */
  traces?: TraceChart[];
}

/** One chart of a traced group's section: configured series (dashed) and the measured one. */
export interface TraceChart {
  group: string;
  kind: 'loss' | 'latency' | 'jitter' | 'rate';
  title: string;
  unit: string;
  series: Array<{ label: string; values: Series; dash?: true }>;
  noData: string;
}

export interface CapacityChart {
  title: string;
  unit: string;
  bots: number[];
  values: Series;
  limit: number;
  /** Index into `bots` of the step that broke this SLO first; null when none did. */
  brokeAt: number | null;
}

function capacityCharts(report: Report): CapacityChart[] | null {
  const steps = [...(report.capacity?.steps ?? [])].sort((a, b) => a.bots - b.bots);
  const slos = steps[0]?.slo ?? [];
  if (steps.length === 0) return null;
  return slos.map((slo, i) => {
    const ratio = slo.metric.endsWith('_ratio');
    const scale = (v: number | null): number | null => (v === null ? null : ratio ? v * 100 : v);
    // The step that broke the SLO with the harness valid: at the loader's limit a value is not the target's.
    const brokeAt = steps.findIndex((step) => step.outcome === 'target-limit' && step.slo[i]?.ok === false);
    const limit = Number(/(-?[\d.]+(?:e[+-]?\d+)?)\s*$/i.exec(slo.expression)?.[1] ?? Number.NaN);
    return { title: `${slo.metric}: ${slo.expression}`, unit: ratio ? '%' : slo.metric.endsWith('_ms') ? 'ms' : '', bots: steps.map((s) => s.bots), values: steps.map((s) => scale(s.slo[i]?.value ?? null)), limit: scale(limit) ?? Number.NaN, brokeAt: brokeAt < 0 ? null : brokeAt };
  });
}

function serverSeries(report: Report): ChartData['server'] {
  const nodes = report.server.nodes.filter((n) => n.points.length > 0);
  if (nodes.length === 0) return null;
  const t = [...new Set(nodes.flatMap((n) => n.points.map((p) => p.t)))].sort((a, b) => a - b);
  return {
    t,
    nodes: nodes.map((n) => {
      const cpuAt = new Map(n.points.map((p) => [p.t, p.cpuPercent]));
      return { id: n.nodeId, cpuPercent: t.map((s) => cpuAt.get(s) ?? null) };
    }),
  };
}

function skippedSeries(report: Report): Series | null {
  const groups = Object.values(report.harness.plan ?? {});
  if (!groups.some((g) => g.packetsSkipped > 0)) return null;
  const byT = new Map<number, number>();
  for (const g of groups) for (const row of g.seconds) byT.set(row.t, (byT.get(row.t) ?? 0) + row.packetsSkipped);
  return report.timeline.map((p) => byT.get(p.t) ?? 0);
}

/**
 * Per traced group: loss (%), latency (the configured delay on top of the fit's baseline, against
 * the measured p50), and jitter and rate when a trace configures them. Configured series are the
 * trace's values at the middle of each second.
 */
export function traceCharts(report: Report): TraceChart[] {
  const charts: TraceChart[] = [];
  for (const [group, g] of tracedGroups(report.groups)) {
    const traces: GroupTrace[] = g.network?.traces ?? [];
    const fits = groupTraceFits(g);
    const byT = new Map((g.timeline ?? []).map((p) => [p.t, p]));
    const measured = <K extends 'lossRatio' | 'latencyP50Ms' | 'jitterP95Ms'>(key: K, scale = 1): Series =>
      report.timeline.map(({ t }) => {
        const v = byT.get(t)?.[key];
        return v === null || v === undefined ? null : v * scale;
      });
    const configured = (pick: (s: GroupTrace['series'][number], i: number) => number | null): Array<{ label: string; values: Series; dash: true }> =>
      traces.map((trace, i) => {
        const at = new Map(trace.series.map((s) => [s.t, s]));
        return { label: `configured ${traceLabel(fits[i]!)}`, values: report.timeline.map(({ t }) => { const s = at.get(t); return s ? pick(s, i) : null; }), dash: true };
      });
    charts.push({ group, kind: 'loss', title: 'Loss: configured and measured', unit: '%', series: [...configured((s) => s.lossRatio * 100), { label: 'measured', values: measured('lossRatio', 100) }], noData: 'no packets expected' });
    charts.push({
      group,
      kind: 'latency',
      title: 'Latency: configured delay + baseline, and measured p50',
      unit: 'ms',
      series: [...configured((s, i) => { const base = fits[i]!.baselineMs; return base === null ? null : s.delayMs + base; }), { label: 'measured p50', values: measured('latencyP50Ms') }],
      noData: 'no latency samples',
    });
    if (traces.some((trace) => trace.series.some((s) => s.jitterMs > 0))) {
      charts.push({ group, kind: 'jitter', title: 'Jitter: configured and measured p95', unit: 'ms', series: [...configured((s) => s.jitterMs), { label: 'measured p95 (RFC 3550)', values: measured('jitterP95Ms') }], noData: 'no jitter configured or measured' });
    }
    if (traces.some((trace) => trace.series.some((s) => s.rateKbps !== null))) {
      charts.push({ group, kind: 'rate', title: 'Rate limit: configured', unit: 'kbit/s', series: configured((s) => s.rateKbps), noData: 'no rate limit configured' });
    }
  }
  return charts;
}

export function chartData(report: Report): ChartData {
  const tl = report.timeline;
  const latency = MetricStore.fromJSON(report.raw).histogram('e2e_latency_ms');
  const traces = traceCharts(report);
  return {
    t: tl.map((p) => p.t),
    botsConnected: tl.map((p) => p.botsConnected),
    packetsSentPerS: tl.map((p) => p.packetsSent),
    packetsReceivedPerS: tl.map((p) => p.packetsReceived),
    packetsSkippedPerS: skippedSeries(report),
    latencyP50Ms: tl.map((p) => p.latencyP50Ms),
    latencyP95Ms: tl.map((p) => p.latencyP95Ms),
    latencyP99Ms: tl.map((p) => p.latencyP99Ms),
    jitterP95Ms: tl.map((p) => p.jitterP95Ms),
    lossPercent: tl.map((p) => (p.lossRatio === null ? null : p.lossRatio * 100)),
    server: serverSeries(report),
    marks: eventMarks(report.events),
    latency: distribution(latency),
    capacity: capacityCharts(report),
    ...(traces.length > 0 ? { traces } : {}),
  };
}

/** One run as compare.html draws it next to the others. */
export interface ComparedRunChart {
  label: string;
  t: number[];
  latencyP50Ms: Series;
  latencyP99Ms: Series;
  lossPercent: Series;
  latency: Distribution | null;
}

/** The baseline runs and the candidate, each on its own seconds since start. */
export function comparedRunCharts(baselines: readonly Report[], candidate: Report): ComparedRunChart[] {
  const run = (label: string, report: Report): ComparedRunChart => {
    const { t, latencyP50Ms, latencyP99Ms, lossPercent, latency } = chartData(report);
    return { label, t, latencyP50Ms, latencyP99Ms, lossPercent, latency };
  };
  return [...baselines.map((b, i) => run(baselines.length > 1 ? `baseline ${i + 1}` : 'baseline', b)), run('candidate', candidate)];
}
