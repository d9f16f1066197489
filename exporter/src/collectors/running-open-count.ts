/**
 * Items open now (opened by now and not closed: METRICS.md's open support tickets, open bug reports),
 * optionally per value of a column (severity), as a running count, so a cycle costs the rows of the
 * last `mutable_horizon`, not the whole backlog, which grows with history.
 *
 * The count is kept "as of S", S = now - max(mutable_horizon, settle_lag), like MRR
 * (./recurring-revenue.ts): base = items open at S in the interval sense (opened <= S and closed NULL
 * or after S). Items with no event after S are open now exactly when they were at S, so the count now
 * is base + A - X, with A the open items opened after S and X the items counted in base that closed
 * after S. A and X are re-read whole every cycle, so an item closed, reopened or closed again at
 * another time inside the horizon is exact; moving S forward adds the items opened and removes those
 * closed in (S, S'], one cycle's rows. An item reopened more than `mutable_horizon` after it was
 * closed, or a row committed with an opened time older than S, waits for the periodic full refresh,
 * which publishes the difference as rollup drift (under the count's name).
 *
 * Where the backlog is small against the horizon's traffic (few old open items, many closed in the
 * last `mutable_horizon`: the busy dataset), the whole count (the table's partial index of open rows)
 * is cheaper than the tail terms, and exact whatever the age of a change. Each build (first cycle, full
 * refresh) picks the cheaper of the two until the next one, from the sizes it has just read.
 *
 * The state is a few numbers per group in memory: a restart or a reload rebuilds it with one count.
 */
import { M } from '../../../shared/catalogue';
import type { Sample } from '../metrics/sample';
import type { Db } from '../runtime/db';
import { nextRefreshAt, usOf, usToTimestamp, type WindowSettings } from './window-facts';

export interface OpenSpan {
  table: string;
  /** When an item opens (it counts from then on) and when it closed (NULL while open). */
  opened: string;
  closed: string;
  /** A column to count per value of; without it, one count under the group ''. */
  group?: string;
  /** Maps a group value as read onto the series it counts in (an allow-list fold); identity without it. */
  foldGroup?: (value: string | null) => string;
  /**
   * A steady cycle reads two ranges, opened > $1 and closed > $1 (S' >= $1, so each holds its two
   * terms), counting the terms with FILTER, and a refresh's x states closed > $1 too: half the plan
   * nodes (bug reports at 10M orders: planning 0.20 → 0.13 ms, execution 0.10 → 0.08 ms), and bounds
   * the planner knows (S' it does not: for x it walked reported_at's index up to S', the whole history).
   * Not for support tickets: their open tickets opened since S' come index-only from
   * support_tickets_open_idx, which a range over opened_at trades for a heap fetch per ticket of the
   * horizon, and closed > $1 moves x off the covering support_tickets_closed_opened_idx.
   */
  byRanges?: boolean;
  /**
   * METRICS.md's count of every open item, rows of (g, n): shaped for the table's partial index of
   * open rows, and read each cycle where that is cheaper than the tail terms.
   */
  wholeSql: string;
}

/** Statements of a running open count over `span`: one row per (term, group), plus S' and now. */
export function runningOpenStatements(span: OpenSpan): { whole: string; build: string; step: string } {
  const { table, opened, closed } = span;
  const g = span.group ? `${span.group}::text` : 'NULL::text';
  const by = span.group ? ` GROUP BY ${span.group}` : '';
  const term = (name: string, where: string) =>
    `SELECT '${name}' AS term, ${g} AS g, count(*)::int8 AS n FROM ${table} WHERE ${where}${by}`;
  const s = '(SELECT s FROM k)';
  // S' = the later of S ($1) and now - $2 seconds, so a clock moved back never moves S back.
  const k = `WITH k AS MATERIALIZED (SELECT GREATEST($1::timestamptz, now() - make_interval(secs => $2::double precision)) AS s)`;
  // Terms, S moving from $1 to S'. Entered: opened in (S, S'] and open at S'. Left: open at S (opened
  // by S) and closed in (S, S']. Both ranges hold one cycle's rows. Tail terms at S': x, items open at
  // S' that closed since; a, open items opened since.
  const entered = `${opened} <= ${s} AND (${closed} IS NULL OR ${closed} > ${s})`;
  const left = `${closed} <= ${s} AND ${opened} <= $1::timestamptz`;
  const x = `${closed} > ${s} AND ${opened} <= ${s}`;
  const a = `${closed} IS NULL AND ${opened} > ${s} AND ${opened} <= now()`;
  const tail = [
    term('x', span.byRanges ? `${x} AND ${closed} > $1::timestamptz` : x),
    term('a', a),
    `SELECT 's', NULL, ${usOf('s')} FROM k`,
    `SELECT 'now', NULL, ${usOf('now()')}`,
  ];
  const pair = (name: keyof typeof PAIRED, range: string, [n, m]: [string, string]) =>
    `SELECT '${name}' AS term, ${g} AS g, count(*) FILTER (WHERE ${n})::int8 AS n, count(*) FILTER (WHERE ${m})::int8 AS m FROM ${table} WHERE ${range}${by}`;
  const ranges = [
    pair('opened', `${opened} > $1::timestamptz`, [entered, a]),
    pair('closed', `${closed} > $1::timestamptz`, [left, x]),
    `SELECT 's', NULL, ${usOf('s')}, ${usOf('now()')} FROM k`,
  ];
  return {
    whole: `SELECT 'w' AS term, w.g::text AS g, w.n::int8 AS n FROM (${span.wholeSql}) w UNION ALL SELECT 'now', NULL, ${usOf('now()')}`,
    // A build: the items still open that were opened by S' ($1 ignored but for S'), and the tail terms.
    build: `${k}\n${[term('base_open', `${closed} IS NULL AND ${opened} <= ${s}`), ...tail].join('\nUNION ALL ')}`,
    // A steady cycle: the four terms, or two ranges carrying two each.
    step: span.byRanges
      ? `${k}\n${ranges.join('\nUNION ALL ')}`
      : `${k}\n${[
          term('entered', `${opened} > $1::timestamptz AND ${entered}`),
          term('left', `${closed} > $1::timestamptz AND ${left}`),
          ...tail,
        ].join('\nUNION ALL ')}`,
  };
}

type Counts = Map<string, number>;

/** The terms a row of a range carries, in its columns n and m. */
const PAIRED = { opened: ['entered', 'a'], closed: ['left', 'x'] } as const;

/** The rows of one statement: counts per term and group, and the instants. */
class Read {
  private readonly terms = new Map<string, Counts>();
  sUs = 0;
  nowUs = 0;

  constructor(rows: Record<string, unknown>[], fold: (value: string | null) => string) {
    for (const r of rows) {
      const term = String(r.term);
      if (term === 's') {
        this.sUs = Number(r.n);
        if (r.m !== undefined) this.nowUs = Number(r.m);
      } else if (term === 'now') this.nowUs = Number(r.n);
      else if (term === 'opened' || term === 'closed') {
        const [n, m] = PAIRED[term];
        this.add(n, fold(r.g as string | null), r.n);
        this.add(m, fold(r.g as string | null), r.m);
      } else this.add(term, fold(r.g as string | null), r.n);
    }
  }

  private add(term: string, group: string, n: unknown): void {
    const counts = this.terms.get(term) ?? new Map<string, number>();
    counts.set(group, (counts.get(group) ?? 0) + Number(n));
    this.terms.set(term, counts);
  }

  of(term: string): Counts {
    return this.terms.get(term) ?? new Map();
  }
}

/** a + sign × b, per group. */
function plus(a: Counts, b: Counts, sign = 1): Counts {
  const out = new Map(a);
  for (const [g, n] of b) out.set(g, (out.get(g) ?? 0) + sign * n);
  return out;
}
const total = (c: Counts) => [...c.values()].reduce((s, n) => s + n, 0);

export class RunningOpenCount {
  private readonly sql: ReturnType<typeof runningOpenStatements>;
  private readonly fold: (value: string | null) => string;
  /** Items open at `settledUs` in the interval sense, per group; null before the first build. */
  private base: Counts | null = null;
  private settledUs = 0;
  private nextRefreshUs = 0;
  /** Count whole each cycle (cheaper here than the tail terms) until the next build. */
  private whole = false;
  /** Sum over the groups of |incremental - rebuilt| at the last full refresh. */
  drift = 0;

  constructor(
    readonly name: string,
    span: OpenSpan,
  ) {
    this.sql = runningOpenStatements(span);
    this.fold = span.foldGroup ?? ((v) => v ?? '');
  }

  /** The open items now, per group (groups with none may be absent). One statement a cycle; a failed one leaves the state as it was. */
  async cycle(db: Db, s: WindowSettings): Promise<Counts> {
    const lagSeconds = Math.max(s.mutableHorizonSeconds, s.settleLagSeconds);
    if (this.base === null) {
      const r = await this.read(db, this.sql.build, [usToTimestamp(Number.NEGATIVE_INFINITY), lagSeconds]);
      this.nextRefreshUs = nextRefreshAt(this.name, r.nowUs, s, true);
      return this.adoptBuild(r);
    }
    if (this.whole) {
      const w = await this.read(db, this.sql.whole, []);
      if (w.nowUs < this.nextRefreshUs) return w.of('w');
      return this.refresh(db, s, lagSeconds, null);
    }
    const r = await this.read(db, this.sql.step, [usToTimestamp(this.settledUs), lagSeconds]);
    const base = plus(plus(this.base, r.of('entered')), r.of('left'), -1);
    const now = plus(plus(base, r.of('a')), r.of('x'), -1);
    if (r.nowUs < this.nextRefreshUs) {
      this.base = base;
      this.settledUs = r.sUs;
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
  private async refresh(db: Db, s: WindowSettings, lagSeconds: number, incremental: Counts | null): Promise<Counts> {
    const built = await this.read(db, this.sql.build, [usToTimestamp(this.settledUs), lagSeconds]);
    const fresh = this.adoptBuild(built);
    this.drift = incremental === null ? 0 : total(new Map([...plus(incremental, fresh, -1)].map(([g, n]) => [g, Math.abs(n)])));
    this.nextRefreshUs = nextRefreshAt(this.name, built.nowUs, s, false);
    return fresh;
  }

  private async read(db: Db, sql: string, params: unknown[]): Promise<Read> {
    const rows = await db.query(sql, params);
    const r = new Read(rows, this.fold);
    if (r.nowUs === 0) throw new Error(`${this.name}: the open count returned no row`);
    return r;
  }

  /**
   * Base at S' = open by S' + closed after S' (open at S' in the interval sense); returns the count
   * now. The whole count reads base_open + a index entries a cycle, the running one about x + a.
   */
  private adoptBuild(r: Read): Counts {
    this.base = plus(r.of('base_open'), r.of('x'));
    this.settledUs = r.sUs;
    this.whole = total(r.of('base_open')) <= total(r.of('x'));
    return plus(r.of('base_open'), r.of('a'));
  }
}
