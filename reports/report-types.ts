/** The types of report.json, the one result model every writer (Markdown, HTML, JUnit, compare) reads; defined by report-schema.ts. */
import type { z } from 'zod';
import type {
  botCountsSchema,
  capacitySectionSchema,
  capacityStepSchema,
  groupNetworkSchema,
  groupPlanProgressSchema,
  groupReportSchema,
  harnessProcessSchema,
  metricsSectionSchema,
  packetCountsSchema,
  planSecondSchema,
  recoveryResultSchema,
  reportSchema,
  roomReportSchema,
  serverNodeSeriesSchema,
  thresholdResultSchema,
  timelinePointSchema,
} from './report-schema.js';

export { reportSchemaVersion } from './report-schema.js';

export type BotCounts = z.infer<typeof botCountsSchema>;
export type PacketCounts = z.infer<typeof packetCountsSchema>;
export type MetricsSection = z.infer<typeof metricsSectionSchema>;
export type BrowserMetrics = NonNullable<MetricsSection['browser']>;
export type ThresholdResult = z.infer<typeof thresholdResultSchema>;
export type GroupReport = z.infer<typeof groupReportSchema>;
export type GroupNetwork = z.infer<typeof groupNetworkSchema>;
export type TimelinePoint = z.infer<typeof timelinePointSchema>;
export type ServerNodeSeries = z.infer<typeof serverNodeSeriesSchema>;

/** The machine a run ran on: its cores, and the CPU per second of a target running there too (none for an external one). */
export interface SharedMachine { cores: number; target: ServerNodeSeries[] }
export type HarnessProcess = z.infer<typeof harnessProcessSchema>;
export type GroupPlanProgress = z.infer<typeof groupPlanProgressSchema>;
export type PlanSecond = z.infer<typeof planSecondSchema>;
export type RoomReport = z.infer<typeof roomReportSchema>;
export type RecoveryResult = z.infer<typeof recoveryResultSchema>;
export type Report = z.infer<typeof reportSchema>;
export type CapacitySection = z.infer<typeof capacitySectionSchema>;
export type CapacityStepReport = z.infer<typeof capacityStepSchema>;
