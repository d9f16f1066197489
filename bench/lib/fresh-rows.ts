/**
 * Inserts "a minute of new activity" into every table of the data contract: for each table, as many
 * rows as it gained per minute on average over the last day of its history (at least one when the
 * table has any rows), copied from its newest rows with all their timestamps shifted together so
 * each row lands between `since` and now. Foreign keys stay valid because referenced ids are reused;
 * with `linked`, a reference to a row copied in the same minute points at its copy instead (see
 * insertFreshMinute).
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

interface FreshTable extends TableInfo {
  anchor: string;
  /** Single-column foreign keys to other fresh tables: column → referenced table. */
  references: Map<string, string>;
}

/**
 * The tables fresh rows go into, with their event-time column (the first timestamp column), referenced
 * tables before the tables that reference them (so a minute's copies can point at copies, and
 * removeFreshRows can delete in the reverse order when it has to check foreign keys).
 */
async function freshTables(pool: pg.Pool): Promise<FreshTable[]> {
  const tables = (await contractTables(pool)).flatMap((t) => {
    const ts = t.columns.filter((c) => c.type === 'timestamp with time zone');
    if (!ts.length || !t.columns.some((c) => c.name === 'id')) return [];
    // The first timestamp column is the row's event time (created_at, started_at, viewed_at, …).
    return [{ ...t, anchor: quote(ts[0]!.name), references: new Map<string, string>() }];
  });
  const byName = new Map(tables.map((t) => [t.table, t]));
  const { rows } = await pool.query<{ child: string; col: string; parent: string }>(
    `SELECT cl.relname AS child, a.attname AS col, p.relname AS parent
       FROM pg_constraint c
       JOIN pg_class cl ON cl.oid = c.conrelid
       JOIN pg_class p ON p.oid = c.confrelid
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND cl.relnamespace = 'public'::regnamespace`,
  );
  for (const r of rows) if (r.child !== r.parent && byName.has(r.parent)) byName.get(r.child)?.references.set(r.col, r.parent);
  // Depth-first: a table after every table it references (the contract's references form no cycle).
  const ordered: FreshTable[] = [];
  const placed = new Set<string>();
  const place = (t: FreshTable, path: Set<string>) => {
    if (placed.has(t.table)) return;
    if (path.has(t.table)) throw new Error(`fresh rows: foreign keys form a cycle through ${t.table}`);
    path.add(t.table);
    for (const parent of t.references.values()) place(byName.get(parent)!, path);
    path.delete(t.table);
    placed.add(t.table);
    ordered.push(t);
  };
  for (const t of tables) place(t, new Set());
  return ordered;
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
export async function insertFreshMinute(
  pool: pg.Pool,
  since: string,
  rates: ReadonlyMap<string, number>,
  o: { linked?: boolean } = {},
): Promise<FreshRows[]> {
  const out: FreshRows[] = [];
  const tables = await freshTables(pool);
  // One connection (taken after freshTables': the benchmark's writer pool holds one): `linked` keeps
  // each copy's id in a temporary table for the tables after it.
  const client = await pool.connect();
  try {
    if (o.linked) await client.query('CREATE TEMP TABLE IF NOT EXISTS fresh_copy (tbl text, old int8, new int8); TRUNCATE fresh_copy');
    for (const t of tables) {
      const anchor = t.anchor;
      const table = quote(t.table);
      const perDay = rates.get(t.table) ?? 0;
      if (perDay === 0) continue;
      const n = Math.max(1, Math.round(perDay / 1440));
      const cols = t.columns.filter((c) => c.name !== 'id');
      // With `linked`, a reference to a row copied earlier in this minute is the copy's id.
      const links = o.linked ? cols.filter((c) => t.references.has(c.name)) : [];
      const value = (c: TableInfo['columns'][number]) =>
        c.type === 'timestamp with time zone'
          ? `s.${quote(c.name)} + s.shift_`
          : links.includes(c)
            ? `coalesce(l_${c.name}.new, s.${quote(c.name)})`
            : `s.${quote(c.name)}`;
      const joins = links
        .map(
          (c) =>
            `LEFT JOIN fresh_copy l_${c.name} ON l_${c.name}.tbl = '${t.references.get(c.name)}' AND l_${c.name}.old = s.${quote(c.name)}`,
        )
        .join(' ');
      const rows = `(SELECT src.*, ($1::timestamptz + random() * (statement_timestamp() - $1::timestamptz)) - src.${anchor} AS shift_
                       FROM (SELECT * FROM ${table} ORDER BY id DESC LIMIT $2) src) s`;
      let res: pg.QueryResult;
      if (o.linked) {
        // The copies' ids are drawn first, so the tables after this one can find them.
        await client.query(
          `INSERT INTO fresh_copy SELECT $1, id, nextval(pg_get_serial_sequence($2, 'id')) FROM (SELECT id FROM ${table} ORDER BY id DESC LIMIT $3) src`,
          [t.table, table, n],
        );
        res = await client.query(
          `INSERT INTO ${table} (id, ${cols.map((c) => quote(c.name)).join(', ')})
           SELECT me.new, ${cols.map(value).join(', ')}
             FROM ${rows} JOIN fresh_copy me ON me.tbl = '${t.table}' AND me.old = s.id ${joins}`,
          [since, n],
        );
      } else {
        res = await client.query(
          `INSERT INTO ${table} (${cols.map((c) => quote(c.name)).join(', ')}) SELECT ${cols.map(value).join(', ')} FROM ${rows}`,
          [since, n],
        );
      }
      out.push({ table: t.table, rows: res.rowCount ?? 0 });
    }
  } finally {
    client.release();
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
 * as sellers every later run re-reads. A fresh row references a row that was there before the run or
 * (with `linked`) another fresh row, deleted with it: no row that stays references a fresh one, so
 * the foreign-key checks can only pass, and a superuser deletes with them off (replica mode: no
 * trigger fires): checked row by row, each fresh session scanned carts, whose
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
    // Referencing tables first (marks are in freshTables' order): with foreign keys checked, a linked
    // minute's copies reference each other.
    for (const [table, mark] of [...marks].reverse())
      deleted += (await client.query(`DELETE FROM ${quote(table)} WHERE id > $1`, [mark])).rowCount ?? 0;
    await client.query('COMMIT');
    return deleted;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
