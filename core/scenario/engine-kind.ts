/**
 * What the domain knows of an engine, declared in the engine's own folder (bots/<engine>/*-kind.ts):
 * its scenario group, the metrics it produces, its fields in a report's metrics and its own rules.
 * These declarations depend on the domain only; the run's side of an engine is its EnginePlugin (ports/engine.ts).
 */
import type { z } from 'zod';
import type { MetricInfo } from '../metrics/metric-info.js';
import type { HistogramSummaryFields } from '../metrics/summary-schema.js';
import type { AudioSpec, TalkSpec, VideoSpec } from './media-spec.js';
import type { PathProblem } from './problems.js';
import type { TargetSpec } from './target-types.js';

/** What the plan seats of a group: its members join rooms of `rooms`, over its ramp-up. */
export interface SeatedMembers {
  engine: string;
  count: number;
  rampUpMs: number;
  /** How many of them publish; the others only listen. */
  speakers: number;
  audio: AudioSpec;
  talk: TalkSpec;
  video: VideoSpec | null;
}

/** Reads a run's metrics (a MetricStore) by name, for an engine's report fields and rates. */
export interface MetricReader {
  counter(metric: string, group?: string, fromSecond?: number, toSecond?: number): number;
  histogram(metric: string, group?: string): { summary(): HistogramSummaryFields | null; countAtOrBelow(value: number): number };
}

/** A rate metric is read from counters, so it merges as they do; undefined when there is nothing to divide. */
export type RateReader = (read: MetricReader, group?: string, fromSecond?: number, toSecond?: number) => number | undefined;

/** Facts an engine's rules may check a group against (each known only when its section is valid). */
export interface GroupFacts {
  durationMs: number | undefined;
  target: TargetSpec | undefined;
}

export interface EngineKind<Engine extends string, Group extends { engine: Engine; name: string }, Metrics extends Record<string, MetricInfo>, Report extends z.ZodRawShape> {
  engine: Engine;
  /** The group's part of the scenario format, discriminated on `engine`. */
  group: z.ZodType<Group, unknown>;
  metrics: Metrics;
  /** Rate metrics of `metrics`, each read from counters. */
  rates: { [M in keyof Metrics as Metrics[M]['kind'] extends 'rate' ? M : never]: RateReader };
  /** Its fields in a report's metrics sections (whole run, per group, per room), and how they are read. */
  report: { shape: Report; read(read: MetricReader, group?: string): z.output<z.ZodObject<Report>> };
  /** Members seated in the scenario's rooms; null when the engine brings rooms of its own (k6). */
  seats(group: Group): SeatedMembers | null;
  /** Rules of this engine's groups that need other sections; `index` is the group's in `fleet`. */
  problems(group: Group, index: number, facts: GroupFacts): PathProblem[];
}
