/**
 * Reads pg_stat_statements for one database, from a connection to another database so that the
 * measuring queries never show up in the figures they measure.
 */
import pg from 'pg';

export interface StatementStat {
  queryid: string;
  query: string;
  calls: number;
  totalMs: number;
  /**
   * Planning time (total_plan_time): 0 unless pg_stat_statements.track_planning is on. Not in totalMs,
   * which is execution only, the measure the collection-cost targets were first stated in.
   */
  planMs: number;
  rows: number;
  /** Shared buffer pages touched (hit + read): unlike time, not moved by the machine's load. */
  pages: number;
}

export type StatementSnapshot = Map<string, StatementStat>;

export interface StatementDelta extends StatementStat {
  meanMs: number;
}

export class StatementMonitor {
  private constructor(
    private readonly client: pg.Client,
    readonly dbid: number,
    readonly dbName: string,
  ) {}

  /** `serverUrl` must point at a database other than `dbName` (usually `postgres`). */
  static async open(serverUrl: string, dbName: string): Promise<StatementMonitor> {
    const client = new pg.Client({ connectionString: serverUrl, application_name: 'marketplace-pulse-bench-monitor' });
    await client.connect();
    const lib = await client.query<{ v: string }>(`SELECT current_setting('shared_preload_libraries') AS v`);
    if (!/pg_stat_statements/.test(lib.rows[0]!.v)) {
      await client.end();
      throw new Error(
        "pg_stat_statements is not loaded: run ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements' and restart PostgreSQL (pg_ctlcluster 15 main restart)",
      );
    }
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const db = await client.query<{ oid: number }>(`SELECT oid FROM pg_database WHERE datname = $1`, [dbName]);
    if (!db.rows[0]) throw new Error(`database ${dbName} does not exist`);
    return new StatementMonitor(client, db.rows[0].oid, dbName);
  }

  /** Clears the statistics of this database only (other databases' figures are left alone). */
  async reset(): Promise<void> {
    await this.client.query(`SELECT pg_stat_statements_reset(0, $1::oid, 0)`, [this.dbid]);
  }

  async snapshot(): Promise<StatementSnapshot> {
    const { rows } = await this.client.query<{
      queryid: string;
      query: string;
      calls: string;
      total: number;
      plan: number;
      rows: string;
      pages: string;
    }>(
      `SELECT queryid::text AS queryid, query, calls, total_exec_time AS total, total_plan_time AS plan, rows, shared_blks_hit + shared_blks_read AS pages
         FROM pg_stat_statements WHERE dbid = $1`,
      [this.dbid],
    );
    const out: StatementSnapshot = new Map();
    for (const r of rows) {
      // The same text may appear once per user; sum them.
      const prev = out.get(r.queryid);
      const s = {
        queryid: r.queryid,
        query: r.query,
        calls: Number(r.calls),
        totalMs: Number(r.total),
        planMs: Number(r.plan),
        rows: Number(r.rows),
        pages: Number(r.pages),
      };
      if (prev) {
        prev.calls += s.calls;
        prev.totalMs += s.totalMs;
        prev.planMs += s.planMs;
        prev.rows += s.rows;
        prev.pages += s.pages;
      } else out.set(r.queryid, s);
    }
    return out;
  }

  /** The database's clock, for comparing with pg_stat_activity.query_start. */
  async now(): Promise<string> {
    return (await this.client.query<{ t: string }>(`SELECT to_json(clock_timestamp()) #>> '{}' AS t`)).rows[0]!.t;
  }

  /**
   * Queries that connections named `applicationName` started after `since`, as "pid@query_start"
   * (sampling pg_stat_activity: a connection that is open at sample time shows its latest query).
   */
  async queriesStartedSince(applicationName: string, since: string): Promise<string[]> {
    const { rows } = await this.client.query<{ k: string }>(
      `SELECT pid || '@' || query_start AS k FROM pg_stat_activity
        WHERE datid = $1 AND application_name = $2 AND query_start >= $3::timestamptz`,
      [this.dbid, applicationName, since],
    );
    return rows.map((r) => r.k);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** Statements that ran between two snapshots, most expensive first. */
export function diffStatements(before: StatementSnapshot, after: StatementSnapshot): StatementDelta[] {
  const out: StatementDelta[] = [];
  for (const [id, a] of after) {
    const b = before.get(id);
    const calls = a.calls - (b?.calls ?? 0);
    if (calls <= 0) continue;
    const totalMs = a.totalMs - (b?.totalMs ?? 0);
    const rows = a.rows - (b?.rows ?? 0);
    const planMs = a.planMs - (b?.planMs ?? 0);
    out.push({ queryid: id, query: a.query, calls, totalMs, planMs, rows, pages: a.pages - (b?.pages ?? 0), meanMs: totalMs / calls });
  }
  return out.sort((x, y) => y.totalMs - x.totalMs);
}

export function totalOf(deltas: readonly StatementDelta[]): { calls: number; totalMs: number; planMs: number; pages: number } {
  return deltas.reduce(
    (acc, d) => ({
      calls: acc.calls + d.calls,
      totalMs: acc.totalMs + d.totalMs,
      planMs: acc.planMs + d.planMs,
      pages: acc.pages + d.pages,
    }),
    { calls: 0, totalMs: 0, planMs: 0, pages: 0 },
  );
}

/** One line of SQL for tables: whitespace collapsed, cut at `max` characters. */
export function oneLine(sql: string, max = 160): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
