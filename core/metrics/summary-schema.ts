/** A histogram's summary as reports carry it (Histogram.summary()). */
import { z } from 'zod';

export const count = z.int().min(0);

export const histogramSummarySchema = z.object({ count, min: z.number(), p50: z.number(), p95: z.number(), p99: z.number(), max: z.number(), avg: z.number() });

export type HistogramSummaryFields = z.output<typeof histogramSummarySchema>;
