/**
 * Incremental counters (DESIGN §3): the first cycle reads everything up to a horizon, each later cycle
 * only rows whose event time lies in (previous horizon, now() - settle_lag]. Totals are only updated
 * when the whole cycle succeeded, so a failed cycle is retried over the same window: nothing is lost
 * and nothing is counted twice.
 */
import type { MetricDef } from '../../../shared/catalogue';
import type { Db } from '../runtime/db';
import type { HistogramSample, ScalarSample } from '../metrics/sample';
import { labelKey } from '../metrics/labels';

/** The time range of one incremental read: `from` exclusive, `to` inclusive, both timestamptz literals. */
export interface TimeRange {
  readonly from: string;
  readonly to: string;
}

/**
 * The settled horizon in the database's own clock (no skew with the exporter host), as ISO-8601 with
 * microseconds so that no row on the boundary is lost to rounding.
 */
export async function settledHorizon(db: Db, settleLagSeconds: number): Promise<string> {
  const rows = await db.query<{ h: string }>(`SELECT to_json(now() - make_interval(secs => $1::double precision)) #>> '{}' AS h`, [
    settleLagSeconds,
  ]);
  return rows[0]!.h;
}

interface Entry {
  metric: MetricDef;
  labels: Record<string, string>;
  value: number;
}

interface HistEntry {
  metric: MetricDef;
  labels: Record<string, string>;
  buckets: number[];
  sum: number;
  count: number;
}

/** Running totals for counters and cumulative histograms. */
export class Totals {
  private scalars = new Map<string, Entry>();
  private hists = new Map<string, HistEntry>();

  add(metric: MetricDef, labels: Record<string, string>, value: number): void {
    const key = `${metric.name}|${labelKey(labels)}`;
    const e = this.scalars.get(key);
    if (e) e.value += value;
    else this.scalars.set(key, { metric, labels: { ...labels }, value });
  }

  /** Adds per-bucket (non-cumulative or cumulative, as given) counts; buckets align with metric.buckets. */
  addHistogram(metric: MetricDef, labels: Record<string, string>, cumulativeBuckets: readonly number[], sum: number, count: number): void {
    const key = `${metric.name}|${labelKey(labels)}`;
    const e = this.hists.get(key);
    if (e) {
      cumulativeBuckets.forEach((b, i) => {
        e.buckets[i]! += b;
      });
      e.sum += sum;
      e.count += count;
    } else {
      this.hists.set(key, { metric, labels: { ...labels }, buckets: [...cumulativeBuckets], sum, count });
    }
  }

  merge(other: Totals): void {
    for (const e of other.scalars.values()) this.add(e.metric, e.labels, e.value);
    for (const h of other.hists.values()) this.addHistogram(h.metric, h.labels, h.buckets, h.sum, h.count);
  }

  samples(): (ScalarSample | HistogramSample)[] {
    return [
      ...[...this.scalars.values()].map((e) => ({ metric: e.metric, labels: e.labels, value: e.value })),
      ...[...this.hists.values()].map((h) => ({ metric: h.metric, labels: h.labels, buckets: [...h.buckets], sum: h.sum, count: h.count })),
    ];
  }
}

/**
 * State of one incremental collector. `cycle` reads the next window into a staging Totals and only
 * commits it (and the new horizon) if the reader resolves.
 */
export class IncrementalState {
  horizon: string | null = null;
  readonly totals = new Totals();

  async cycle(db: Db, settleLagSeconds: number, read: (range: TimeRange, staged: Totals) => Promise<void>): Promise<void> {
    const to = await settledHorizon(db, settleLagSeconds);
    const staged = new Totals();
    await read({ from: this.horizon ?? '-infinity', to }, staged);
    this.totals.merge(staged);
    this.horizon = to;
  }
}

/**
 * SQL select-list items counting observations per bucket: `count(*) FILTER (WHERE expr <= b)`.
 * Bucket bounds are numbers from the catalogue or validated config, never user strings.
 */
export function bucketColumns(expr: string, buckets: readonly number[]): string {
  return bucketColumnsWhere(buckets, (b) => `${expr} <= ${b}`);
}

/**
 * Like bucketColumns with a predicate per bound, so a bucket can compare the raw column (an integer,
 * an interval) instead of computing a converted value once per bucket per row — on a full-history
 * first cycle that conversion dominates.
 */
export function bucketColumnsWhere(buckets: readonly number[], le: (bound: number) => string): string {
  return buckets.map((b, i) => `count(*) FILTER (WHERE ${le(Number(b))}) AS b${i}`).join(', ');
}

/** Reads the b0..bN columns produced by bucketColumns. */
export function bucketValues(row: Record<string, unknown>, buckets: readonly number[]): number[] {
  return buckets.map((_, i) => Number(row[`b${i}`] ?? 0));
}
