/**
 * Inserts "a minute of new activity" into every table of the data contract: for each table, as many
 * rows as it gained per minute on average over the last day of its history (at least one when the
 * table has any rows), copied from its newest rows with all their timestamps shifted together so
 * each row lands between `since` and now. Foreign keys stay valid because referenced ids are reused.
 */
import type pg from 'pg';

export interface FreshRows {
  table: string;
  rows: number;
}

interface TableInfo {
  table: string;
  columns: { name: string; type: string }[];
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

async function contractTables(pool: pg.Pool): Promise<TableInfo[]> {
  const { rows } = await pool.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE')
      ORDER BY table_name, ordinal_position`,
  );
  const byTable = new Map<string, TableInfo>();
  for (const r of rows) {
    let t = byTable.get(r.table_name);
    if (!t) {
      t = { table: r.table_name, columns: [] };
      byTable.set(r.table_name, t);
    }
    t.columns.push({ name: r.column_name, type: r.data_type });
  }
  return [...byTable.values()];
}

/** The tables fresh rows go into, with their event-time column (the first timestamp column). */
async function freshTables(pool: pg.Pool): Promise<(TableInfo & { anchor: string })[]> {
  return (await contractTables(pool)).flatMap((t) => {
    const ts = t.columns.filter((c) => c.type === 'timestamp with time zone');
    if (!ts.length || !t.columns.some((c) => c.name === 'id')) return [];
    // The first timestamp column is the row's event time (created_at, started_at, viewed_at, …).
    return [{ ...t, anchor: quote(ts[0]!.name) }];
  });
}

/** Rows per day of each table over the last day of its history. */
export async function dailyRates(pool: pg.Pool): Promise<Map<string, number>> {
  const rates = new Map<string, number>();
  for (const t of await freshTables(pool)) {
    const table = quote(t.table);
    const rate = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${table} WHERE ${t.anchor} > (SELECT max(${t.anchor}) FROM ${table}) - interval '1 day'`,
    );
    rates.set(t.table, Number(rate.rows[0]!.n));
  }
  return rates;
}

/**
 * Returns the rows added per table; `since` is a timestamptz in the database's clock. `rates` are rows per
 * day by table (`dailyRates`, of this database or another), taken once before the first insert: taken
 * again after one, a table's last day would end at that fresh row, now, and hold only the hours of the
 * dataset's last day that are later than the time of day now, so later cycles inserted fewer rows the
 * earlier in the day a run started (busy: 383–465 new rows a cycle after the first, against its 913).
 */
export async function insertFreshMinute(pool: pg.Pool, since: string, rates: ReadonlyMap<string, number>): Promise<FreshRows[]> {
  const out: FreshRows[] = [];
  const own = rates;
  for (const t of await freshTables(pool)) {
    const anchor = t.anchor;
    const table = quote(t.table);
    const perDay = own.get(t.table) ?? 0;
    if (perDay === 0) continue;
    const n = Math.max(1, Math.round(perDay / 1440));
    const cols = t.columns.filter((c) => c.name !== 'id');
    const select = cols
      .map((c) => (c.type === 'timestamp with time zone' ? `s.${quote(c.name)} + s.shift_` : `s.${quote(c.name)}`))
      .join(', ');
    const res = await pool.query(
      `INSERT INTO ${table} (${cols.map((c) => quote(c.name)).join(', ')})
       SELECT ${select}
         FROM (SELECT src.*, ($1::timestamptz + random() * (statement_timestamp() - $1::timestamptz)) - src.${anchor} AS shift_
                 FROM (SELECT * FROM ${table} ORDER BY id DESC LIMIT $2) src) s`,
      [since, n],
    );
    out.push({ table: t.table, rows: res.rowCount ?? 0 });
  }
  return out;
}

/** The highest id of each table fresh rows go into, before any is inserted: what removeFreshRows deletes above. */
export async function freshRowMarks(pool: pg.Pool): Promise<Map<string, number>> {
  const marks = new Map<string, number>();
  for (const t of await freshTables(pool)) {
    const { rows } = await pool.query<{ m: string | null }>(`SELECT max(id)::text AS m FROM ${quote(t.table)}`);
    marks.set(t.table, Number(rows[0]!.m ?? 0));
  }
  return marks;
}

/**
 * Deletes the rows inserted since `marks`, so a database measured in place (bench_10m) is the same
 * for the next run: the fresh sellers, copied with their approval days ahead, would otherwise pile up
 * as sellers every later run re-reads. A fresh row's references are copied from an older row, so they
 * point at rows that were there before the run: no fresh row is referenced and any order of deletes
 * works. For the same reason the foreign-key checks can only pass, so a superuser deletes with them
 * off (replica mode: no trigger fires): checked row by row, each fresh session scanned carts, whose
 * session_id the contract does not index, and the removal took minutes at 10M (it was interrupted
 * at times, leaving rows the next run counted as history). One transaction: all or nothing.
 * Returns the rows deleted.
 */
export async function removeFreshRows(pool: pg.Pool, marks: ReadonlyMap<string, number>): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ super: boolean }>(`SELECT rolsuper AS super FROM pg_roles WHERE rolname = current_user`);
    if (rows[0]?.super) await client.query('SET LOCAL session_replication_role = replica');
    let deleted = 0;
    for (const [table, mark] of marks) deleted += (await client.query(`DELETE FROM ${quote(table)} WHERE id > $1`, [mark])).rowCount ?? 0;
    await client.query('COMMIT');
    return deleted;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
