/**
 * The engines a scenario may name. Each declares its group, metrics and report fields in its own
 * folder (EngineKind); one more engine is one more entry here, and its plug-in in core/run/engine-plugins.ts.
 */
import type { z } from 'zod';
import { browserKind } from '../../bots/browser/browser-kind.js';
import { weriftKind } from '../../bots/fleet/werift-kind.js';
import { k6Kind } from '../../bots/k6/k6-kind.js';
import type { GroupFacts, MetricReader, RateReader, SeatedMembers } from './engine-kind.js';
import type { PathProblem } from './problems.js';

export const engineKinds = [weriftKind, browserKind, k6Kind] as const;

type Kinds = typeof engineKinds;
type Kind = Kinds[number];
// Mapped over a type parameter, so the result stays a tuple.
type GroupsOf<T extends readonly unknown[]> = { -readonly [I in keyof T]: T[I] extends { group: infer G } ? G : never };
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The group schemas, in a tuple as z.discriminatedUnion takes them. */
export const groupSchemas = engineKinds.map((kind) => kind.group) as unknown as GroupsOf<Kinds>;

/** One fleet group of a scenario, discriminated on `engine`. */
export type FleetGroup = z.output<Kind['group']>;
export type EngineName = Kind['engine'];

/** Every engine's own metrics. */
export const engineMetrics = Object.assign({}, ...engineKinds.map((kind) => kind.metrics)) as UnionToIntersection<Kind['metrics']>;

/** Every engine's rate metrics, each read from counters. */
export const engineRates = Object.assign({}, ...engineKinds.map((kind) => kind.rates)) as Readonly<Record<string, RateReader>>;

/** Every engine's fields in a report's metrics sections. */
export const engineReportShape = Object.assign({}, ...engineKinds.map((kind) => kind.report.shape)) as UnionToIntersection<Kind['report']['shape']>;

export function engineReportFields(read: MetricReader, group?: string): z.output<z.ZodObject<typeof engineReportShape>> {
  return Object.assign({}, ...engineKinds.map((kind) => kind.report.read(read, group))) as z.output<z.ZodObject<typeof engineReportShape>>;
}

function kindOf<G extends FleetGroup>(group: G): Extract<Kind, { engine: G['engine'] }> {
  return engineKinds.find((kind) => kind.engine === group.engine) as Extract<Kind, { engine: G['engine'] }>;
}

/** The members a group seats in the scenario's rooms; null when its engine brings rooms of its own. */
export function seatsOf(group: FleetGroup): SeatedMembers | null {
  return (kindOf(group).seats as (g: FleetGroup) => SeatedMembers | null)(group);
}

/** Rules of a group's engine that need other sections of the scenario. */
export function engineProblems(group: FleetGroup, index: number, facts: GroupFacts): PathProblem[] {
  return (kindOf(group).problems as (g: FleetGroup, i: number, f: GroupFacts) => PathProblem[])(group, index, facts);
}
