/**
 * Open support tickets (METRICS.md: `opened_at <= now` and no `closed_at`) where support does not follow
 * support_tickets.updated_at (with it, ./open-ticket-set.ts holds them as a set), as a running count, so a
 * cycle costs the tickets of the last `mutable_horizon`, not the whole backlog (16,278 open tickets at
 * 10M orders: the partial index's count grew with history, ≈ 1 ms a cycle).
 *
 * The count is kept "as of S", S = now - max(mutable_horizon, settle_lag), like MRR
 * (./recurring-revenue.ts): base = tickets open at S in the interval sense (opened_at <= S and
 * closed_at NULL or after S). Tickets with no event after S are open now exactly when they were at S,
 * so the count now is base + A - X, with A the open tickets opened after S and X the tickets counted
 * in base that closed after S. A and X are re-read whole every cycle, so a ticket closed, reopened or
 * closed again at another time inside the horizon is exact; moving S forward adds the tickets opened
 * and removes those closed in (S, S'], one cycle's rows. A ticket reopened more than `mutable_horizon`
 * after it was closed, or a row committed with an opened_at older than S, waits for the periodic full
 * refresh, which publishes the difference as rollup drift (`collector="support_open"`).
 *
 * Where the backlog is small against the horizon's traffic (few old open tickets, many closed in the
 * last `mutable_horizon`: the busy dataset), the whole partial index is cheaper to count than the tail
 * terms, and exact whatever the age of a change. Each build (first cycle, full refresh) picks the
 * cheaper of the two until the next one, from the sizes it has just read.
 *
 * The state is a few numbers in memory: a restart or a reload rebuilds it with one count.
 */
import { M } from '../../../shared/catalogue';
import type { Db } from '../runtime/db';
import type { Sample } from '../metrics/sample';
import { nextRefreshAt, usOf, usToTimestamp, type WindowSettings } from './window-facts';

/** S' = the later of S ($1) and now - $2 seconds, so a clock moved back never moves S back. */
const SETTLED = `GREATEST($1::timestamptz, now() - make_interval(secs => $2::double precision))`;

/**
 * Tail terms at S' (index-only with the optional support_tickets_closed_opened_idx and the partial
 * support_tickets_open_idx): x, tickets open at S' that closed since; a, open tickets opened since.
 */
const TAIL = `
  (SELECT count(*) FROM support_tickets WHERE closed_at > (SELECT s FROM k) AND opened_at <= (SELECT s FROM k))::int8 AS x,
  (SELECT count(*) FROM support_tickets
    WHERE closed_at IS NULL AND opened_at > (SELECT s FROM k) AND opened_at <= now())::int8 AS a,
  (SELECT ${usOf('s')} FROM k) AS s_us,
  ${usOf('now()')} AS now_us`;

/** The whole count, as METRICS.md defines it (partial index support_tickets_open_idx). */
export const OPEN_TICKETS_SQL = `
  SELECT count(*)::int8 AS n, ${usOf('now()')} AS now_us FROM support_tickets WHERE closed_at IS NULL AND opened_at <= now()`;

/** A build: the tickets still open that were opened by S' ($1 ignored but for S'), and the tail terms. */
export const OPEN_TICKETS_BUILD_SQL = `
  WITH k AS MATERIALIZED (SELECT ${SETTLED} AS s)
  SELECT (SELECT count(*) FROM support_tickets WHERE closed_at IS NULL AND opened_at <= (SELECT s FROM k))::int8 AS base_open,
         NULL::int8 AS entered, NULL::int8 AS left_, ${TAIL}`;

/**
 * A steady cycle: S moves from $1 to S'. Entered: opened in (S, S'] and open at S'. Left: open at S
 * (opened by S) and closed in (S, S']. Both ranges hold one cycle's rows.
 */
export const OPEN_TICKETS_STEP_SQL = `
  WITH k AS MATERIALIZED (SELECT ${SETTLED} AS s)
  SELECT NULL::int8 AS base_open,
         (SELECT count(*) FROM support_tickets
           WHERE opened_at > $1::timestamptz AND opened_at <= (SELECT s FROM k)
             AND (closed_at IS NULL OR closed_at > (SELECT s FROM k)))::int8 AS entered,
         (SELECT count(*) FROM support_tickets
           WHERE closed_at > $1::timestamptz AND closed_at <= (SELECT s FROM k) AND opened_at <= $1::timestamptz)::int8 AS left_,
         ${TAIL}`;

interface Row {
  base_open: string | number | null;
  entered: string | number | null;
  left_: string | number | null;
  x: string | number;
  a: string | number;
  s_us: string | number;
  now_us: string | number;
}

export class RunningOpenTickets {
  /** Tickets open at `settledUs` in the interval sense; null before the first build. */
  private base: number | null = null;
  private settledUs = 0;
  private nextRefreshUs = 0;
  /** Count the whole partial index each cycle (cheaper here than the tail terms) until the next build. */
  private whole = false;
  /** |incremental - rebuilt| at the last full refresh. */
  drift = 0;

  constructor(readonly name: string) {}

  /** The open tickets now. One statement a cycle; a failed one leaves the state as it was. */
  async cycle(db: Db, s: WindowSettings): Promise<number> {
    const lagSeconds = Math.max(s.mutableHorizonSeconds, s.settleLagSeconds);
    if (this.base === null) {
      const r = await this.read(db, OPEN_TICKETS_BUILD_SQL, Number.NEGATIVE_INFINITY, lagSeconds);
      this.nextRefreshUs = nextRefreshAt(this.name, Number(r.now_us), s, true);
      return this.adoptBuild(r);
    }
    if (this.whole) {
      const [w] = await db.query(OPEN_TICKETS_SQL);
      if (Number(w?.now_us) < this.nextRefreshUs) return Number(w?.n);
      return this.refresh(db, s, lagSeconds, null);
    }
    const r = await this.read(db, OPEN_TICKETS_STEP_SQL, this.settledUs, lagSeconds);
    const base = this.base + Number(r.entered) - Number(r.left_);
    const now = base + Number(r.a) - Number(r.x);
    if (Number(r.now_us) < this.nextRefreshUs) {
      this.base = base;
      this.settledUs = Number(r.s_us);
      return now;
    }
    return this.refresh(db, s, lagSeconds, now);
  }

  selfSamples(): Sample[] {
    return [{ metric: M.rollupDrift, labels: { collector: this.name }, value: this.drift }];
  }

  /**
   * A full refresh: rebuilds from the database; drift is the difference from the running count
   * (`incremental`), or none after a whole count (null), which was exact.
   */
  private async refresh(db: Db, s: WindowSettings, lagSeconds: number, incremental: number | null): Promise<number> {
    const built = await this.read(db, OPEN_TICKETS_BUILD_SQL, this.settledUs, lagSeconds);
    const fresh = this.adoptBuild(built);
    this.drift = incremental === null ? 0 : Math.abs(incremental - fresh);
    this.nextRefreshUs = nextRefreshAt(this.name, Number(built.now_us), s, false);
    return fresh;
  }

  private async read(db: Db, sql: string, fromUs: number, lagSeconds: number): Promise<Row> {
    const [r] = await db.query(sql, [usToTimestamp(fromUs), lagSeconds]);
    if (!r) throw new Error('open tickets: the count returned no row');
    return r as unknown as Row;
  }

  /**
   * Base at S' = open by S' + closed after S' (open at S' in the interval sense); returns the count
   * now. The whole count reads base_open + a index entries a cycle, the running one about x + a.
   */
  private adoptBuild(r: Row): number {
    this.base = Number(r.base_open) + Number(r.x);
    this.settledUs = Number(r.s_us);
    this.whole = Number(r.base_open) <= Number(r.x);
    return Number(r.base_open) + Number(r.a);
  }
}
