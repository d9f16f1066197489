/**
 * A result that only depends on rows whose event times lie before the start of the current calendar
 * period (UTC day, ISO week): once the database clock is `settle_lag` past that start, every such row
 * has been committed, so the result is computed then and kept until the next period. Before that,
 * and at the first cycle, it is computed every cycle. A later change (a backfill, a row re-attributed)
 * is caught by the full refresh, whose difference is published as rollup drift.
 */
import type { Db } from '../runtime/db';
import { dbNowUs } from './window-facts';

const US = 1_000_000;
export const DAY_US = 86_400 * US;

/** Start of the UTC day holding `us`. */
export const utcDayStart = (us: number) => Math.floor(us / DAY_US) * DAY_US;
/** Start of the ISO week (Monday 00:00 UTC) holding `us`; epoch day 0 was a Thursday. */
export const isoWeekStart = (us: number) => (Math.floor((Math.floor(us / DAY_US) + 3) / 7) * 7 - 3) * DAY_US;

export class SettledPeriod {
  private start = Number.NaN;
  private final = false;
  private values: Float64Array = new Float64Array(0);
  private nextRefreshUs = 0;
  /** Sum of |kept - recomputed| at the last full refresh. */
  drift = 0;

  constructor(
    private readonly periodStart: (us: number) => number,
    private readonly compute: (db: Db) => Promise<Float64Array>,
  ) {}

  get bytes(): number {
    return this.values.byteLength;
  }

  async value(db: Db, settleLagSeconds: number, fullRefreshSeconds: number): Promise<Float64Array> {
    const nowUs = await dbNowUs(db);
    const start = this.periodStart(nowUs);
    if (start !== this.start || !this.final) {
      this.values = await this.compute(db);
      this.start = start;
      this.final = nowUs - settleLagSeconds * US >= start;
      if (this.nextRefreshUs === 0) this.nextRefreshUs = nowUs + fullRefreshSeconds * US;
    } else if (nowUs >= this.nextRefreshUs) {
      const fresh = await this.compute(db);
      this.drift = fresh.reduce((d, v, i) => d + Math.abs(v - (this.values[i] ?? 0)), 0);
      this.values = fresh;
      this.nextRefreshUs = nowUs + fullRefreshSeconds * US;
    }
    return this.values;
  }
}
