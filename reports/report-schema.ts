/**
 * The shape of report.json, defined once: the TypeScript types (report-types.ts) are inferred from
 * these schemas, `rtcstorm report`/`compare` validate old files with them, and
 * reports/schema/report.schema.json is generated from them.
 *
 * RunEvent, HistogramSummary and SerializedStore belong to core/metrics, which must not depend on
 * reports: they are mirrored here, and `MirrorsCoreMetrics` below breaks the build if either side
 * changes without the other.
 */
import { z } from 'zod';
import type { HistogramSummary, RunEvent, SerializedStore } from '../core/metrics/index.js';
import { count, histogramSummarySchema } from '../core/metrics/summary-schema.js';
import { engineReportShape } from '../core/scenario/engine-kinds.js';

/** Bump on any change a reader of an older report.json could trip over. */
export const reportSchemaVersion = 2;

const ms = z.number().min(0);

export { histogramSummarySchema };

export const runEventSchema = z.object({
  /** ms since the run's start. */
  atMs: z.number(),
  /** 'chaos' for chaos steps, 'bot-failed', … */
  kind: z.string(),
  action: z.string().optional(),
  target: z.string().optional(),
  ok: z.boolean().optional(),
  detail: z.string().optional(),
  /** For a step that lasts (a pause, an impairment): how long it was planned to last. */
  durationMs: z.number().optional(),
});

const byMetricByGroup = <T extends z.ZodType>(value: T) => z.record(z.string(), z.record(z.string(), value));

export const serializedStoreSchema = z.object({
  startMs: z.number(),
  buckets: z.array(
    z.object({
      t: count,
      /** metric → group → HDR compressed base64 */
      histograms: byMetricByGroup(z.string()),
      counters: byMetricByGroup(z.number()),
      gauges: byMetricByGroup(z.number()),
      events: z.array(runEventSchema),
    }),
  ),
});

export const botCountsSchema = z.object({ planned: count, joined: count, failed: count });
export const packetCountsSchema = z.object({ sent: count, received: count, expected: count });

export const metricsSectionSchema = z.object({
  join_time_ms: histogramSummarySchema.nullable(),
  e2e_latency_ms: histogramSummarySchema.nullable(),
  jitter_ms: histogramSummarySchema.nullable(),
  /** null when no packet was expected (nobody received anything). */
  packet_loss_ratio: z.number().min(0).max(1).nullable(),
  /** Per bot and failure: last packet before it → first packet after rejoining. */
  recovery_time_ms: histogramSummarySchema.nullable(),
  /** Per stream: silences longer than recovery.gapThreshold. */
  media_gap_ms: histogramSummarySchema.nullable(),
  /** Failures bots noticed while connected and recovered from by rejoining. */
  bot_failures: count,
  /** Each engine's own fields, declared in its folder (k6: signalling; browser: Chromium's view). */
  ...engineReportShape,
});

/** A fleet group the run could not start (e.g. k6 not installed); the rest of the run went on. */
export const skippedGroupSchema = z.object({ group: z.string(), engine: z.string(), reason: z.string(), hint: z.string().optional() });

export const thresholdResultSchema = z.object({
  metric: z.string(),
  expression: z.string(),
  value: z.number().nullable(),
  ok: z.boolean(),
  /** Why the threshold was not evaluated (its metric's engine was skipped, e.g. k6 not installed); it then neither passes nor fails the run. */
  notEvaluated: z.string().nullable(),
});

/** How many of a group's bots a profile was assigned to, in one direction. */
export const profileShareSchema = z.object({ profile: z.string(), bots: count });

/** The impairment a traced profile configured, at the middle of each second of the run (a row with no impairment: zeros, rate null). */
export const traceSecondSchema = z.object({
  t: count,
  /** Random loss, or a Gilbert-Elliott model's stationary loss: p/(p+r)·lossInBad + r/(p+r)·lossInGood; 1 for a blackhole. */
  lossRatio: z.number().min(0).max(1),
  delayMs: ms,
  /** The jitter's half-width (uniform) or standard deviation (normal, pareto); 0 without jitter. */
  jitterMs: ms,
  /** The rate limit; null when none. */
  rateKbps: z.number().min(0).nullable(),
});

/** A trace profile some of a group's bots had in one direction: assigned (`network.assign`), or put in place by an impair step. */
export const groupTraceSchema = z.object({
  profile: z.string(),
  direction: z.enum(['up', 'down']),
  /** The group's bots it applied to. */
  bots: count,
  /** The impair step's index in `chaos` (zeros outside its window); absent for `network.assign`. */
  step: count.optional(),
  /** One point per second of the run. */
  series: z.array(traceSecondSchema),
});

/** A werift group in a run that impairs the network: the impairment configured, and what the bots measured. */
export const groupNetworkSchema = z.object({
  /** The scenario's `network.assign`, per direction (impair steps are in `events`). */
  configured: z.object({ up: z.array(profileShareSchema), down: z.array(profileShareSchema) }),
  measured: z.object({
    /** Loss in what the group's bots received: their downlink and their senders' uplinks. */
    lossRatio: z.number().min(0).max(1).nullable(),
    /** Median one-way latency of what the group received minus that of the groups with nothing assigned; null without such groups. */
    latencyAddedP50Ms: z.number().nullable(),
  }),
  /** Trace profiles (network traces) of the group's bots, configured per second; absent when none is a trace (and in older reports). */
  traces: z.array(groupTraceSchema).optional(),
});

/** One second of the run; latency and jitter are null in seconds without samples. */
export const timelinePointSchema = z.object({
  t: count,
  botsConnected: count,
  packetsSent: count,
  packetsReceived: count,
  latencyP50Ms: ms.nullable(),
  latencyP95Ms: ms.nullable(),
  latencyP99Ms: ms.nullable(),
  jitterP95Ms: ms.nullable(),
  lossRatio: z.number().min(0).max(1).nullable(),
});

/** One second of one group: the run's timeline point without packets sent and latency p95. */
export const groupTimelinePointSchema = timelinePointSchema.omit({ packetsSent: true, latencyP95Ms: true });

export const groupReportSchema = z.object({
  bots: botCountsSchema,
  packets: packetCountsSchema,
  metrics: metricsSectionSchema,
  /** Only in runs with a `network:` section or network chaos, for werift groups. */
  network: groupNetworkSchema.optional(),
  /** What the group's bots measured, per second of the run (optional: older reports lack it). */
  timeline: z.array(groupTimelinePointSchema).optional(),
});

/** One SFU node of a bundled target, sampled every second. */
export const serverNodeSeriesSchema = z.object({
  nodeId: z.string(),
  points: z.array(
    z.object({
      t: count,
      /** The node process (signalling) and its mediasoup workers together; 100 = one core. */
      cpuPercent: z.number(),
      /** Each mediasoup worker, by id (node-0/worker-0). */
      workerCpuPercent: z.record(z.string(), z.number()),
      rssMB: z.number(),
      rooms: count,
      transports: count,
      producers: count,
      consumers: count,
    }),
  ),
});

/** One room of the plan: what its members received, worst rooms first in the report. */
export const roomReportSchema = z.object({
  room: z.string(),
  bots: count,
  packetsExpected: count,
  lossRatio: z.number().min(0).max(1).nullable(),
  /** The 5th percentile of its members' per-second MOS (werift bots' received streams); null or absent where none was rated. */
  mosP5: z.number().nullable().optional(),
  /** Their mean per-second MOS and concealed share of audio (werift bots' received streams). */
  mosAvg: z.number().nullable().optional(),
  audioConcealedRatio: z.number().min(0).max(1).nullable().optional(),
  mediaGaps: count,
  botFailures: count,
});

/** What one chaos step cost the bots: failures and recovery times until the next step. */
export const recoveryResultSchema = z.object({
  atMs: z.number(),
  action: z.string(),
  target: z.string(),
  botFailures: count,
  recoveryTimeMs: histogramSummarySchema.nullable(),
  mediaGapMs: histogramSummarySchema.nullable(),
});

export const harnessProcessSchema = z.object({
  id: z.string(),
  cpuPercentAvg: z.number().nullable(),
  cpuPercentMax: z.number().nullable(),
  eventLoopLagP99Ms: ms.nullable(),
  /** How late the run received this process's samples of a second, p99 (optional: older reports lack it). */
  reportDelayP99Ms: ms.nullable().optional(),
  /** Seconds whose samples this process did not deliver in time. */
  secondsMissing: count.optional(),
});

/** One second of a group: bots due to have joined by its end (planned join time + joinGrace) and bots that had; packets sent and skipped. */
export const planSecondSchema = z.object({ t: count, botsDue: count, botsJoined: count, joinBacklog: count, packetsSent: count, packetsSkipped: count });

/** A werift or browser group's plan against what happened. */
export const groupPlanProgressSchema = z.object({
  botsPlanned: count,
  /** The second with the most due bots not joined; null when the group never fell behind. */
  joinBacklogMax: z.object({ t: count, bots: count, due: count }).nullable(),
  packetsSent: count,
  /** Packets the send schedule called for that the bots' process was too late to send. */
  packetsSkipped: count,
  /** packetsSkipped / (packetsSent + packetsSkipped); null when nothing was scheduled. */
  sendDeficit: z.number().min(0).max(1).nullable(),
  seconds: z.array(planSecondSchema),
});

/** One step of a capacity search (or a probe of its refinement): its load, how it ended, and its figures. */
export const capacityStepSchema = z.object({
  index: count,
  /** A probe run of the refinement between the last held step and the first that broke. */
  probe: z.boolean(),
  rooms: count,
  bots: count,
  publishers: count,
  subscribers: count,
  /** Streams the target forwards: each publisher's to every other member of its room. */
  streams: count,
  startMs: ms,
  holdFromMs: ms,
  endMs: ms,
  /** held: every SLO met and the harness valid; target-limit: an SLO broke (or joins failed) with the harness valid; loader-limit: the harness was invalid; incomplete: the run ended before the step did. */
  outcome: z.enum(['held', 'target-limit', 'loader-limit', 'incomplete']),
  /** Each SLO on the step's hold window (join_time_ms on the whole step). */
  slo: z.array(thresholdResultSchema),
  /** Why the step is a limit beyond its SLOs: the harness's reasons, or the joins that failed. */
  reason: z.string().nullable(),
  /** Media packets per second of the hold window: sent by bots to the target, and received from it. */
  packetsInPerSecond: z.number().min(0),
  packetsOutPerSecond: z.number().min(0),
  /** Mean CPU of each node of a target rtcstorm runs over the hold window (100 = one core); empty otherwise. */
  targetCpuPercent: z.record(z.string(), z.number()),
});

/** A capacity search's answer (`capacity:` in the scenario). */
export const capacitySectionSchema = z.object({
  /** target-limit: a step broke with the harness valid (the answer); loader-limit: rtcstorm ran out first; max-reached: every step held; incomplete: the search ended before any of these. */
  outcome: z.enum(['target-limit', 'loader-limit', 'max-reached', 'incomplete']),
  /** The largest step held; null when none was (capacity 0). */
  held: capacityStepSchema.nullable(),
  /** The first step that did not hold (target or loader limit), with the SLO that broke it. */
  broke: z.object({ step: capacityStepSchema, slo: thresholdResultSchema.nullable() }).nullable(),
  /** The scenario's `capacity.min`, and whether `held` reaches it. */
  min: z.object({ bots: count.nullable(), rooms: count.nullable(), met: z.boolean() }).nullable(),
  steps: z.array(capacityStepSchema),
});

export const reportSchema = z.object({
  schemaVersion: z.literal(reportSchemaVersion),
  tool: z.object({ name: z.literal('rtcstorm'), version: z.string() }),
  scenario: z.object({
    name: z.string(),
    file: z.string().nullable(),
    seed: count,
    /** sha256 of the YAML text: shards of one run must agree on it. */
    hash: z.string(),
    /** The YAML text itself: replay with `rtcstorm run` (same seed), and what `merge` re-reads. */
    source: z.string(),
    /** The files it names (network traces), by the path as written: `rtcstorm replay` needs nothing but the report (optional: older reports lack it). */
    files: z.record(z.string(), z.string()).optional(),
  }),
  /** Set when this report is one shard of a distributed run (`run --shard i/N`). */
  shard: z.object({ index: count, count: z.int().min(1), startAtMs: z.number() }).nullable(),
  startedAt: z.iso.datetime(),
  durationMs: ms,
  /** false when the run was interrupted (Ctrl-C, SIGTERM) or aborted by an error. */
  complete: z.boolean(),
  /** Why the run did not complete, or why it is invalid. */
  abortReason: z.string().nullable(),
  target: z.object({
    kind: z.enum(['bundled', 'url', 'janus', 'whip', 'launch']),
    urls: z.array(z.string()),
    /** What runs the target, as it says (e.g. `Janus 1.1.2`); optional: older reports lack it. */
    software: z.string().optional(),
  }),
  bots: botCountsSchema,
  packets: packetCountsSchema,
  metrics: metricsSectionSchema,
  thresholds: z.array(thresholdResultSchema),
  groups: z.record(z.string(), groupReportSchema),
  /** Every room of the plan, worst first (bot failures, then media gaps, then loss). */
  rooms: z.array(roomReportSchema),
  skipped: z.array(skippedGroupSchema),
  timeline: z.array(timelinePointSchema),
  events: z.array(runEventSchema),
  harness: z.object({
    processes: z.array(harnessProcessSchema),
    /** false when the loader stayed saturated past the scenario's harness limits, the load did not happen as planned, or none was measured: the run is invalid (exit 2). */
    valid: z.boolean(),
    invalidReason: z.string().nullable(),
    /**
     * With the bundled target: fleet processes, browsers and target together, per second, in percent
     * of all the machine's cores (what the machine check of validity looks at). Absent otherwise.
     */
    machine: z.object({ cores: z.number().int().positive(), cpuPercentMedian: z.number(), cpuPercentMax: z.number() }).optional(),
    /** Per werift and browser group: the plan against what happened (optional: older reports lack it). */
    plan: z.record(z.string(), groupPlanProgressSchema).optional(),
  }),
  /** Server-side load of a bundled target (empty for external targets). */
  server: z.object({ nodes: z.array(serverNodeSeriesSchema) }),
  /** One entry per chaos step that ran. */
  recoveries: z.array(recoveryResultSchema),
  /** A capacity search's answer; null for a run of fixed load (optional: older reports lack it). */
  capacity: capacitySectionSchema.nullable().optional(),
  /** Every sample as mergeable histograms and counters per second: lets reports be merged and re-read exactly. */
  raw: serializedStoreSchema,
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/** Compile-time check only: fails the build when a mirror above drifts from core/metrics. */
export type MirrorsCoreMetrics = [
  Holds<Same<z.infer<typeof runEventSchema>, RunEvent>>,
  Holds<Same<z.infer<typeof histogramSummarySchema>, HistogramSummary>>,
  Holds<Same<z.infer<typeof serializedStoreSchema>, SerializedStore>>,
];
