/**
 * A result that only depends on rows whose event times lie before the start of the current calendar
 * period (UTC day, ISO week): once the database clock is `settle_lag` past that start, every such row
 * has been committed, so the result is computed then and kept until the next period. Before that,
 * and at the first cycle, it is computed every cycle. A later change (a backfill, a row re-attributed)
 * is caught by the full refresh, whose difference is published as rollup drift.
 *
 * With `collection.state_dir`, a settled result is saved, so a restart within the same period serves
 * it without computing it again (cohort retention scans twelve weeks of sessions, the longest first
 * cycle of a restart otherwise).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { Db } from '../runtime/db';
import { readStateFile, writeStateFile } from '../runtime/durable-file';
import type { Logger } from '../runtime/logger';
import { dbIdentity, dbNowUs, type WindowSettings, US } from './window-facts';

export const DAY_US = 86_400 * US;

/** Start of the UTC day holding `us`. */
export const utcDayStart = (us: number) => Math.floor(us / DAY_US) * DAY_US;
/** Start of the ISO week (Monday 00:00 UTC) holding `us`; epoch day 0 was a Thursday. */
export const isoWeekStart = (us: number) => (Math.floor((Math.floor(us / DAY_US) + 3) / 7) * 7 - 3) * DAY_US;

const STATE_FORMAT = { format: 'settled-period', version: 1 } as const;
const stateSchema = z.strictObject({
  fingerprint: z.string(),
  /** Start of the period the values are final for (epoch µs). */
  start: z.number(),
  values: z.array(z.number()),
  nextRefreshUs: z.number(),
});

export class SettledPeriod {
  private start = Number.NaN;
  private final = false;
  private values: Float64Array = new Float64Array(0);
  private nextRefreshUs = 0;
  /** Sum of |kept - recomputed| at the last full refresh. */
  drift = 0;

  private triedState = false;
  private fingerprint = '';

  constructor(
    /** Names the state file. */
    private readonly name: string,
    /** How many values `compute` returns (a saved result of another layout is refused). */
    private readonly size: number,
    private readonly periodStart: (us: number) => number,
    private readonly compute: (db: Db) => Promise<Float64Array>,
  ) {}

  get bytes(): number {
    return this.values.byteLength;
  }

  async value(db: Db, s: WindowSettings, log?: Logger): Promise<Float64Array> {
    if (s.stateDir && !this.triedState) await this.restore(db, s, log);
    const nowUs = await dbNowUs(db);
    const start = this.periodStart(nowUs);
    if (start !== this.start || !this.final) {
      this.values = await this.compute(db);
      this.start = start;
      this.final = nowUs - s.settleLagSeconds * US >= start;
      if (this.nextRefreshUs === 0) this.nextRefreshUs = nowUs + s.fullRefreshSeconds * US;
      if (this.final) this.save(s, log);
    } else if (nowUs >= this.nextRefreshUs) {
      const fresh = await this.compute(db);
      this.drift = fresh.reduce((d, v, i) => d + Math.abs(v - (this.values[i] ?? 0)), 0);
      this.values = fresh;
      this.nextRefreshUs = nowUs + s.fullRefreshSeconds * US;
      this.save(s, log);
    }
    return this.values;
  }

  private file(dir: string): string {
    return path.join(dir, `${this.name}.period-state.json`);
  }

  /** Takes the saved result when it is intact and was built from this database and config. */
  private async restore(db: Db, s: WindowSettings, log?: Logger): Promise<void> {
    const identity = await dbIdentity(db);
    this.fingerprint = createHash('sha256').update(`${identity}|${this.name}|${s.configFingerprint}`).digest('hex');
    // Only once the fingerprint is known: a failed lookup is retried by the next cycle.
    this.triedState = true;
    const file = this.file(s.stateDir!);
    const read = readStateFile(file, STATE_FORMAT, stateSchema);
    if (read.kind === 'missing') return;
    let reason = read.kind === 'refused' ? read.reason : null;
    if (read.kind === 'ok' && read.value.fingerprint !== this.fingerprint) reason = 'built from another database or configuration';
    else if (read.kind === 'ok' && read.value.values.length !== this.size)
      reason = `${read.value.values.length} values saved, ${this.size} expected`;
    else if (read.kind === 'ok') {
      // Saved only once final; whether it is still this period's is for `value` to decide.
      this.start = read.value.start;
      this.final = true;
      this.values = Float64Array.from(read.value.values);
      this.nextRefreshUs = read.value.nextRefreshUs;
      log?.info({ collector: this.name, period_start: new Date(this.start / 1000).toISOString() }, 'period state restored');
      return;
    }
    log?.warn({ collector: this.name, file, reason }, 'period state discarded; computing it again');
  }

  /** Writes the final result (atomic, fsync, checksummed); a failed write is logged, never thrown. */
  private save(s: WindowSettings, log?: Logger): void {
    if (!s.stateDir || !this.fingerprint) return;
    try {
      writeStateFile(this.file(s.stateDir), STATE_FORMAT, {
        fingerprint: this.fingerprint,
        start: this.start,
        values: Array.from(this.values),
        nextRefreshUs: this.nextRefreshUs,
      });
    } catch (e) {
      log?.warn({ collector: this.name, err: (e as Error).message }, 'period state not saved');
    }
  }
}
