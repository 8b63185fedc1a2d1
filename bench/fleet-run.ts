/**
 * One bench phase as a real run: `runScenario`, as `rtcstorm run` calls it, starts the bundled
 * target and the fleet processes for a scenario of one werift group; the bench watches the run and
 * ends it once the bots have joined, the SFU holds them and the measured window is over. Figures
 * come from the run's report (fleet processes' own per-second CPU and lag, the SFU's server series)
 * and, for memory, from /proc.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricStore } from '../core/metrics/store.js';
import { runScenario } from '../core/run/run.js';
import { parseScenario } from '../core/scenario/index.js';
import type { ProgressSnapshot, RunContext, RunObserver } from '../ports/run-observer.js';
import type { Report } from '../reports/report-types.js';
import { config } from './config.js';
import { fleetPids, rssOfMB } from './fleet-procs.js';
import { loaderCpuMsOver, measureWindow, packetsOver, type MediaWindow } from './media-window.js';
import type { Histogram } from '../core/metrics/histogram.js';

export interface FleetRunSpec {
  label: string;
  /** Speakers, in full rooms of `roomSize`. */
  bots: number;
  roomSize: number;
  talk: 'always' | 'p59';
  /** Seconds of media measured once every bot joined, the SFU holds them all and `config.warmSeconds` passed; 0: none. */
  measureS: number;
  /** The window again in this many equal parts (how far apart they are says how noisy the machine was); default 1. */
  segments?: number;
  /** The group's `video:` as YAML (e.g. `{ simulcast: 3 }`): video bots; absent: voice only. */
  video?: string;
  /** The group's `audio.content`; absent: the default (speech). */
  audioContent?: 'speech' | 'filler';
  /** The scenario's `media.plane`; absent: the default (native when built). */
  plane?: 'native' | 'typescript';
}

/** What video bots measured over the window (spec.video runs). */
export interface VideoWindow {
  framesPerStreamSecond: number;
  freezes: number;
  layerAvg: number;
  nacksSent: number;
  rtxReceived: number;
  latencyP50Ms: number;
  sendKbpsAvg: number;
}

/** The run's joins: from its first second to the one the SFU held every producer and consumer (renegotiations included). */
export interface JoinPhase {
  bots: number;
  connected: number;
  failed: number;
  peerConnections: number;
  /** Whole seconds, from the run's start to the end of the second the SFU was seen holding everything. */
  settledWallMs: number;
  /** Fleet processes' CPU over those seconds, gross: the media of bots already joined included. */
  cpuMs: number;
  /** Packets sent + received over those seconds, to take that media out at a measured per-packet cost. */
  mediaPackets: number;
  settled: boolean;
}

export interface FleetRun {
  spec: FleetRunSpec;
  join: JoinPhase;
  /** Undefined when `measureS` is 0. */
  media: MediaWindow | undefined;
  latency: Histogram | undefined;
  /** The window in `spec.segments` parts, when more than one. */
  segments: MediaWindow[];
  /** Video bots' figures over the window (spec.video runs). */
  video: VideoWindow | undefined;
  /** Fleet processes' RSS growth from before the first join to the window's end, per connected bot (no GC forced in them). */
  rssPerBotMB: number;
  rssBeforeMB: number;
  rssAfterMB: number;
  processes: number;
  harnessValid: boolean;
  harnessInvalidReason: string | null;
  wallS: number;
}

/** Past this the run ends on its own, measured or not. */
const settleCapS = 60;
/** With failed joins the SFU never holds the planned count: the window starts this long after the last join ended. */
const failedSettleS = 2;

function scenarioYaml(spec: FleetRunSpec, rampUpMs: number, durationS: number): string {
  const talk = spec.talk === 'always' ? '{ model: always }' : '{ model: p59, dtx: true }';
  return [
    `name: bench-${spec.label}`,
    `duration: ${durationS}s`,
    ...(spec.plane ? [`media: { plane: ${spec.plane} }`] : []),
    `target: { bundled: { nodes: 1, workersPerNode: ${config.workersPerNode} } }`,
    `rooms: { count: ${spec.bots / spec.roomSize}, size: ${spec.roomSize} }`,
    'fleet:',
    `  - { engine: werift, name: ${spec.label}, count: ${spec.bots}, rampUp: ${rampUpMs}ms, talk: ${talk}${spec.video ? `, video: ${spec.video}` : ''}${spec.audioContent ? `, audio: { content: ${spec.audioContent} }` : ''} }`,
    '',
  ].join('\n');
}

/** Watches the run: decides the measured window once the SFU holds every bot, samples fleet RSS, and ends the run after the window. */
class WindowWatch implements RunObserver {
  startMs = 0;
  window: { settledSecond: number; from: number; to: number } | undefined;
  last: ProgressSnapshot | undefined;
  rssBeforeMB = NaN;
  rssAfterMB = NaN;
  private allJoinedAtMs: number | undefined;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly spec: FleetRunSpec, private readonly control: AbortController) {}

  onStart(context: RunContext): void {
    this.startMs = context.store.startMs;
    // Fleet processes have booted by the run's start (the run gives them that lead); the first bot joins at it.
    this.at(this.startMs - 150, () => (this.rssBeforeMB = rssOfMB(fleetPids())));
  }

  onProgress(snapshot: ProgressSnapshot, context: RunContext): void {
    this.last = snapshot;
    if (this.window || snapshot.connected + snapshot.failed < snapshot.planned) return;
    this.allJoinedAtMs ??= Date.now();
    const point = context.machine()?.target[0]?.points.at(-1);
    const holdsAll = point !== undefined && point.producers >= this.spec.bots && point.consumers >= this.spec.bots * (this.spec.roomSize - 1);
    const gaveUp = snapshot.failed > 0 && Date.now() - this.allJoinedAtMs > failedSettleS * 1000;
    if (!holdsAll && !gaveUp) return;
    const settledSecond = Math.floor((Date.now() - this.startMs) / 1000);
    const from = settledSecond + 1 + (this.spec.measureS > 0 ? config.warmSeconds : 0);
    const to = from + Math.max(1, this.spec.measureS) - 1;
    this.window = { settledSecond, from, to };
    // RSS inside the window's last second; the run ends once the SFU's sample of that second is in.
    this.at(this.startMs + to * 1000 + 700, () => (this.rssAfterMB = rssOfMB(fleetPids())));
    this.at(this.startMs + (to + 2) * 1000 + 300, () => this.control.abort('measured'));
  }

  private at(atMs: number, run: () => void): void {
    this.timers.push(setTimeout(run, Math.max(0, atMs - Date.now())));
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

/** The first second from which the SFU held every producer and consumer of the run; undefined if it never did. */
function settledSecondOf(report: Report, spec: FleetRunSpec): number | undefined {
  return report.server.nodes[0]?.points.find((p) => p.producers >= spec.bots && p.consumers >= spec.bots * (spec.roomSize - 1))?.t;
}

export async function runFleet(spec: FleetRunSpec): Promise<FleetRun> {
  const started = performance.now();
  const rampUpMs = Math.round((spec.bots / (spec.measureS > 0 ? config.mediaJoinRate : config.joinRate)) * 1000);
  const durationS = Math.ceil(rampUpMs / 1000) + settleCapS + config.warmSeconds + spec.measureS + 3;
  const scenario = parseScenario(scenarioYaml(spec, rampUpMs, durationS), `bench-${spec.label}.yaml`);
  const control = new AbortController();
  const watch = new WindowWatch(spec, control);
  const dir = mkdtempSync(join(tmpdir(), `rtcstorm-bench-${spec.label}-`));
  // Ctrl-C ends the run as it ends `rtcstorm run` (teardown, every process gone), then the bench.
  const interrupt = (): void => control.abort('SIGINT');
  process.once('SIGINT', interrupt);
  try {
    const { report } = await runScenario(scenario, { outDir: dir, signal: control.signal, observers: [watch], ...(config.processes > 0 ? { processes: config.processes } : {}) });
    if (control.signal.reason === 'SIGINT') throw new Error('bench: interrupted');
    const store = MetricStore.fromJSON(report.raw);
    const lastSecond = Math.max(0, ...store.seconds());
    // Not settled in time: the window is the run's last full seconds, and the run does not count.
    const window = watch.window ?? { settledSecond: lastSecond, from: Math.max(0, lastSecond - spec.measureS), to: Math.max(0, lastSecond - 1) };
    const settledSecond = settledSecondOf(report, spec);
    const joinTo = Math.min(settledSecond ?? window.settledSecond, window.settledSecond);
    const connected = store.gaugeAt('bots_connected', window.to) ?? watch.last?.connected ?? 0;
    const join: JoinPhase = {
      bots: spec.bots,
      connected,
      failed: spec.bots - connected,
      peerConnections: 2 * connected,
      settledWallMs: (joinTo + 1) * 1000,
      cpuMs: loaderCpuMsOver(store, 0, joinTo),
      mediaPackets: packetsOver(store, 0, joinTo),
      settled: settledSecond !== undefined && watch.window !== undefined,
    };
    const measured = spec.measureS > 0 ? measureWindow(report, store, window.from, window.to) : undefined;
    const parts = spec.measureS > 0 ? Math.min(spec.segments ?? 1, spec.measureS) : 1;
    const partS = Math.floor(spec.measureS / parts);
    const segments = parts > 1 ? [...Array(parts).keys()].map((k) => measureWindow(report, store, window.from + k * partS, k === parts - 1 ? window.to : window.from + (k + 1) * partS - 1).media) : [];
    return {
      spec,
      join,
      video: spec.video && measured ? videoWindow(store, window.from, window.to) : undefined,
      media: measured?.media,
      latency: measured?.latency,
      segments,
      rssPerBotMB: (watch.rssAfterMB - watch.rssBeforeMB) / Math.max(1, connected),
      rssBeforeMB: watch.rssBeforeMB,
      rssAfterMB: watch.rssAfterMB,
      processes: report.harness.processes.filter((p) => p.id.startsWith('fleet-')).length,
      harnessValid: report.harness.valid,
      harnessInvalidReason: report.harness.invalidReason,
      wallS: (performance.now() - started) / 1000,
    };
  } finally {
    process.off('SIGINT', interrupt);
    rmSync(dir, { recursive: true, force: true });
  }
}

function videoWindow(store: MetricStore, from: number, to: number): VideoWindow {
  const trend = (metric: 'video_fps' | 'video_layer' | 'video_latency_ms' | 'video_send_kbps') => store.histogram(metric, undefined, from, to).summary();
  return {
    framesPerStreamSecond: trend('video_fps')?.avg ?? 0,
    freezes: store.counter('video_freezes', undefined, from, to),
    layerAvg: trend('video_layer')?.avg ?? 0,
    nacksSent: store.counter('video_nacks_sent', undefined, from, to),
    rtxReceived: store.counter('video_rtx_received', undefined, from, to),
    latencyP50Ms: trend('video_latency_ms')?.p50 ?? 0,
    sendKbpsAvg: trend('video_send_kbps')?.avg ?? 0,
  };
}

/** Loader CPU of a run's joins with the media of the bots already joined taken out, at `packetUs` per packet. */
export function netJoinCpuMs(join: JoinPhase, packetUs: number): number {
  return Math.max(1, join.cpuMs - (join.mediaPackets * packetUs) / 1000);
}
