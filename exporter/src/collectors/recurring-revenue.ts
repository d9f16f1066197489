/**
 * Monthly recurring revenue (amount_monthly of active subscriptions, per currency) as a running sum.
 *
 * A subscription enters MRR at started_at and leaves it at cancelled_at, both timestamps: the sum is
 * kept "as of S", S = now - max(mutable_horizon, settle_lag), and each cycle reads only the
 * subscriptions with an event after S (started, or cancelled or scheduled to cancel, after S) to
 * bring it to now and to move S forward. Those rows are read whole every cycle, so a late commit
 * inside settle_lag, a cancellation moved or undone, or a new subscription's amount corrected, all
 * inside the horizon, are exact. What happens to a subscription whose events are older than S (an
 * amount changed in place, a back-dated cancellation, a row committed days late) is caught by the
 * periodic full refresh, which publishes the difference as rollup drift.
 *
 * Money is kept in integer cents (amount_monthly is numeric(12,2)), so the running sum never
 * accumulates float error. The state lives in memory: a restart or a reload rebuilds it with one
 * read of the subscriptions active at S.
 */
import { M } from '../../../shared/catalogue';
import type { Db } from '../runtime/db';
import type { Sample } from '../metrics/sample';
import { nextRefreshAt, usOf, usToTimestamp, type WindowSettings, US } from './window-facts';

/**
 * Subscriptions with an event after $1 (subscriptions_started_at_idx, subscriptions_active_idx): each
 * one's cents and event times in epoch µs (c NULL: never cancelled).
 */
export const MRR_CHANGES_SQL = `
  SELECT currency, (amount_monthly * 100)::int8 AS cents, ${usOf('started_at')} AS s, ${usOf('cancelled_at')} AS c, NULL::int8 AS n
    FROM subscriptions
   WHERE started_at > $1::timestamptz OR cancelled_at > $1::timestamptz`;

/**
 * A build: the cents and subscriptions active at $1 per currency (rows with s NULL) and, in the same
 * statement and so the same snapshot, the subscriptions with an event after $1.
 */
export const MRR_BUILD_SQL = `
  SELECT currency, (sum(amount_monthly) * 100)::int8 AS cents, NULL::int8 AS s, NULL::int8 AS c, count(*)::int8 AS n
    FROM subscriptions
   WHERE started_at <= $1::timestamptz AND (cancelled_at IS NULL OR cancelled_at > $1::timestamptz)
   GROUP BY currency
  UNION ALL${MRR_CHANGES_SQL}`;

interface Change {
  currency: string;
  cents: number;
  s: number;
  c: number | null;
}

/** Active subscriptions of one currency: their count (a currency is published while it has any) and cents. */
export interface Tally {
  n: number;
  cents: number;
}
export type Tallies = Map<string, Tally>;

const activeAt = (x: Change, us: number): boolean => x.s <= us && (x.c === null || x.c > us);

/** Per raw currency: `base` plus, for each change, its activity at `us` minus its activity at `fromUs`. */
function sumAt(base: ReadonlyMap<string, Tally>, changes: readonly Change[], fromUs: number, us: number): Tallies {
  const out: Tallies = new Map([...base].map(([c, t]) => [c, { ...t }]));
  for (const x of changes) {
    const d = Number(activeAt(x, us)) - Number(activeAt(x, fromUs));
    if (d === 0) continue;
    const t = out.get(x.currency) ?? { n: 0, cents: 0 };
    out.set(x.currency, { n: t.n + d, cents: t.cents + d * x.cents });
  }
  return out;
}

export class RunningMrr {
  /** Cents active at `settledUs`, per raw currency; null before the first build. */
  private base: Tallies | null = null;
  private settledUs = 0;
  private nextRefreshUs = 0;
  /** Sum over currencies of |incremental - refreshed| in major units at the last full refresh. */
  drift = 0;

  constructor(readonly name: string) {}

  /**
   * Brings the sum to `nowUs`, the database's now() in this transaction; returns the tallies per raw
   * currency. Reads are staged: a failed cycle leaves the state as it was.
   */
  async cycle(db: Db, nowUs: number, s: WindowSettings, fold: (currency: string) => string): Promise<Tallies> {
    const nextSettled = nowUs - Math.max(s.mutableHorizonSeconds, s.settleLagSeconds) * US;
    if (this.base === null) {
      const built = await this.build(db, nextSettled);
      this.adopt(built.base, nextSettled);
      this.nextRefreshUs = nextRefreshAt(this.name, nowUs, s, true);
      return sumAt(built.base, built.changes, nextSettled, nowUs);
    }
    const changes = (await db.query(MRR_CHANGES_SQL, [usToTimestamp(this.settledUs)])).map(toChange);
    const now = sumAt(this.base, changes, this.settledUs, nowUs);
    if (nowUs < this.nextRefreshUs) {
      this.base = sumAt(this.base, changes, this.settledUs, Math.max(this.settledUs, nextSettled));
      this.settledUs = Math.max(this.settledUs, nextSettled);
      return now;
    }
    const built = await this.build(db, nextSettled);
    const fresh = sumAt(built.base, built.changes, nextSettled, nowUs);
    this.drift = driftCents(now, fresh, fold) / 100;
    this.adopt(built.base, nextSettled);
    this.nextRefreshUs = nextRefreshAt(this.name, nowUs, s, false);
    return fresh;
  }

  selfSamples(): Sample[] {
    return [{ metric: M.rollupDrift, labels: { collector: this.name }, value: this.drift }];
  }

  private async build(db: Db, settledUs: number): Promise<{ base: Tallies; changes: Change[] }> {
    const base: Tallies = new Map();
    const changes: Change[] = [];
    for (const r of await db.query(MRR_BUILD_SQL, [usToTimestamp(settledUs)])) {
      if (r.s === null) base.set(String(r.currency), { n: Number(r.n), cents: Number(r.cents) });
      else changes.push(toChange(r));
    }
    return { base, changes };
  }

  private adopt(base: Tallies, settledUs: number): void {
    this.base = base;
    this.settledUs = settledUs;
  }
}

function toChange(r: Record<string, unknown>): Change {
  return { currency: String(r.currency), cents: Number(r.cents), s: Number(r.s), c: r.c === null ? null : Number(r.c) };
}

/** Σ |a - b| over the published (folded) series. */
function driftCents(a: Tallies, b: Tallies, fold: (currency: string) => string): number {
  const diff = new Map<string, number>();
  for (const [c, t] of a) diff.set(fold(c), (diff.get(fold(c)) ?? 0) + t.cents);
  for (const [c, t] of b) diff.set(fold(c), (diff.get(fold(c)) ?? 0) - t.cents);
  let sum = 0;
  for (const v of diff.values()) sum += Math.abs(v);
  return sum;
}
