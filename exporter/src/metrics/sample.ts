/** What collectors hand to the metric store: one value (or histogram) of a catalogue metric. */
import type { MetricDef } from '../../../shared/catalogue';

/** One value of a counter or gauge. */
export interface ScalarSample {
  readonly metric: MetricDef;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One histogram series: cumulative counts per bucket upper bound (same order as metric.buckets). */
export interface HistogramSample {
  readonly metric: MetricDef;
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export type Sample = ScalarSample | HistogramSample;

export function isHistogramSample(s: Sample): s is HistogramSample {
  return 'buckets' in s;
}

/** A result cut at the series cap before it was built: the excess per metric, for series_dropped_total. */
export type CappedSamples = Sample[] & { droppedSeries?: Record<string, number> };
