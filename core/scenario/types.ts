import type { MetricName } from '../metrics/catalogue.js';
import type { ThresholdCondition } from './thresholds.js';

export interface AudioSpec {
  codec: 'opus';
  ptimeMs: 10 | 20 | 40 | 60;
  bitrateKbps: number;
}

export interface WeriftGroup {
  engine: 'werift';
  name: string;
  count: number;
  rampUpMs: number;
  audio: AudioSpec;
  /** Fleet processes for this group; when absent the fleet runner decides. */
  processes?: number;
}

/** Discriminated on `engine`; browser and k6 groups will join this union. */
export type FleetGroup = WeriftGroup;

export type TargetSpec =
  | { kind: 'bundled'; nodes: number; workersPerNode: number }
  | { kind: 'url'; url: string; allowNonLoopback: boolean };

export interface Threshold {
  metric: MetricName;
  expression: string;
  condition: ThresholdCondition;
  abortOnFail: boolean;
}

export interface Scenario {
  name: string;
  /** Source file, or null for a scenario parsed from text that did not come from a file. */
  file: string | null;
  seed: number;
  durationMs: number;
  target: TargetSpec;
  rooms: { count: number; size: number };
  fleet: FleetGroup[];
  thresholds: Threshold[];
}
