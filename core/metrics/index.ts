export * from './catalogue.js';
export { Histogram, scaleOf, unitScale, type HistogramSummary, type MetricUnit } from './histogram.js';
export { MetricStore, type RunEvent, type SerializedBucket, type SerializedStore } from './store.js';
export { ReceiveStats } from './media-stats.js';
