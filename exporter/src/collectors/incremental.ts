/**
 * Incremental counters (DESIGN §3): the first cycle reads everything up to a horizon, each later cycle
 * only rows whose event time lies in (previous horizon, now() - settle_lag]. Totals are only updated
 * when the whole cycle succeeded, so a failed cycle is retried over the same window: nothing is lost
 * and nothing is counted twice.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { catalogue, type MetricDef } from '../../../shared/catalogue';
import type { Db } from '../runtime/db';
import { readStateFile, writeStateFile } from '../runtime/durable-file';
import type { Logger } from '../runtime/logger';
import type { HistogramSample, ScalarSample } from '../metrics/sample';
import { labelKey } from '../metrics/labels';
import { dbIdentity } from './window-facts';

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

  toJSON(): TotalsJson {
    return {
      scalars: [...this.scalars.values()].map((e) => ({ metric: e.metric.name, labels: e.labels, value: e.value })),
      hists: [...this.hists.values()].map((h) => ({
        metric: h.metric.name,
        labels: h.labels,
        buckets: h.buckets,
        sum: h.sum,
        count: h.count,
      })),
    };
  }

  /** Rebuilds totals from `toJSON`; throws on a metric this version does not know or a changed bucket layout. */
  static fromJSON(j: TotalsJson): Totals {
    const t = new Totals();
    const def = (name: string) => {
      const m = METRICS_BY_NAME.get(name);
      if (!m) throw new Error(`unknown metric ${name}`);
      return m;
    };
    for (const e of j.scalars) t.add(def(e.metric), e.labels, e.value);
    for (const h of j.hists) {
      const m = def(h.metric);
      if (h.buckets.length !== (m.buckets?.length ?? -1)) throw new Error(`bucket layout of ${h.metric} changed`);
      t.addHistogram(m, h.labels, h.buckets, h.sum, h.count);
    }
    return t;
  }

  samples(): (ScalarSample | HistogramSample)[] {
    return [
      ...[...this.scalars.values()].map((e) => ({ metric: e.metric, labels: e.labels, value: e.value })),
      ...[...this.hists.values()].map((h) => ({ metric: h.metric, labels: h.labels, buckets: [...h.buckets], sum: h.sum, count: h.count })),
    ];
  }
}

const METRICS_BY_NAME = new Map(catalogue.map((m) => [m.name, m]));

const labelsSchema = z.record(z.string(), z.string());
const totalsSchema = z.strictObject({
  scalars: z.array(z.strictObject({ metric: z.string(), labels: labelsSchema, value: z.number() })),
  hists: z.array(
    z.strictObject({ metric: z.string(), labels: labelsSchema, buckets: z.array(z.number()), sum: z.number(), count: z.number() }),
  ),
});
export type TotalsJson = z.infer<typeof totalsSchema>;

const STATE_FORMAT = { format: 'counter-totals', version: 1 } as const;
const stateSchema = z.strictObject({ fingerprint: z.string(), horizon: z.string().min(1), totals: totalsSchema });

/** How often (database time) a counter state is written during normal running; shutdown always writes. */
const SAVE_EVERY_MS = 60_000;

/** Where a counter state lives on disk and what it was built under. */
export interface CounterPersistence {
  file: string;
  /** Hash of the settings the totals depend on (label folding, thresholds...): another value refuses the file. */
  configFingerprint: string;
  log: Logger;
}

/** States created while `build` runs, in creation order (how the runtime finds a collector's counters). */
let capturing: IncrementalState[] | null = null;

export function captureIncrementalStates<T>(build: () => T): { value: T; states: IncrementalState[] } {
  const outer = capturing;
  capturing = [];
  try {
    const value = build();
    return { value, states: capturing };
  } finally {
    capturing = outer;
  }
}

/**
 * State of one incremental collector. `cycle` reads the next window into a staging Totals and only
 * commits it (and the new horizon) if the reader resolves. With persistence, the first cycle resumes
 * from the saved horizon and totals, and the pair is written together, so a restart (even after a
 * crash) neither loses nor double-counts a row.
 */
export class IncrementalState {
  horizon: string | null = null;
  totals = new Totals();
  private persistence: CounterPersistence | null = null;
  private restoreTried = false;
  private identity: string | null = null;
  /** Database time (epoch ms) of the horizon last written. */
  private savedAt = -Infinity;

  constructor() {
    capturing?.push(this);
  }

  /** Set by the runtime before the first cycle when `collection.state_dir` is configured. */
  persistTo(p: CounterPersistence): void {
    this.persistence = p;
  }

  async cycle(db: Db, settleLagSeconds: number, read: (range: TimeRange, staged: Totals) => Promise<void>): Promise<void> {
    if (this.persistence && !this.restoreTried) await this.restore(db, this.persistence);
    const to = await settledHorizon(db, settleLagSeconds);
    const staged = new Totals();
    await read({ from: this.horizon ?? '-infinity', to }, staged);
    this.totals.merge(staged);
    this.horizon = to;
    if (this.persistence && !(Date.parse(to) - this.savedAt < SAVE_EVERY_MS)) this.save();
  }

  private fingerprint(p: CounterPersistence, identity: string): string {
    return createHash('sha256')
      .update(`${identity}|${path.basename(p.file)}|${p.configFingerprint}`)
      .digest('hex');
  }

  private async restore(db: Db, p: CounterPersistence): Promise<void> {
    this.identity = await dbIdentity(db);
    // Only once the identity is known: a failed lookup is retried by the next cycle.
    this.restoreTried = true;
    const read = readStateFile(p.file, STATE_FORMAT, stateSchema);
    let reason: string | null = read.kind === 'refused' ? read.reason : null;
    if (read.kind === 'ok') {
      if (read.value.fingerprint !== this.fingerprint(p, this.identity)) reason = 'built from another database or configuration';
      else {
        try {
          this.totals = Totals.fromJSON(read.value.totals);
          this.horizon = read.value.horizon;
          // The file holds exactly this state: no need to write it again at the first cycle.
          this.savedAt = Date.parse(this.horizon);
          p.log.info({ file: p.file, horizon: this.horizon }, 'counter state restored');
          return;
        } catch (e) {
          reason = (e as Error).message;
        }
      }
    }
    if (reason !== null) p.log.warn({ file: p.file, reason }, 'counter state discarded; counting again from the start of history');
  }

  /**
   * Writes horizon and totals together (atomic, fsync, checksummed). Does nothing before the first
   * successful cycle. Never throws: a failed write is logged and the next one retries.
   */
  save(): void {
    const p = this.persistence;
    if (!p || this.horizon === null || this.identity === null) return;
    try {
      writeStateFile(p.file, STATE_FORMAT, {
        fingerprint: this.fingerprint(p, this.identity),
        horizon: this.horizon,
        totals: this.totals.toJSON(),
      });
      this.savedAt = Date.parse(this.horizon);
    } catch (e) {
      p.log.warn({ file: p.file, err: (e as Error).message }, 'counter state not saved');
    }
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
