/**
 * Writes simulated rows with few round trips: one multi-row statement per table per batch
 * (`INSERT … SELECT * FROM unnest($1::bigint[], …)`), which matters on the embedded PGlite database.
 * Ids are assigned here, starting after the table's current max(id); the id sequences are moved past
 * them afterwards so other writers using the bigserial default never collide.
 */
import { SPECS, TABLE_ORDER, type RowTypes, type TableName, type TableSpec } from './rows';

export type SimulationStats = Record<TableName, number>;

export function emptyStats(): SimulationStats {
  return Object.fromEntries(TABLE_ORDER.map((t) => [t, 0])) as SimulationStats;
}

export function addStats(into: SimulationStats, more: SimulationStats): SimulationStats {
  for (const t of TABLE_ORDER) into[t] += more[t];
  return into;
}

/** What the writer needs of a connection: a `pg` client, or the embedded engine in process. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export class IdAllocator {
  private readonly last = new Map<TableName, number>();

  /** Catches up with rows written by anyone else since the last call. */
  async sync(db: Queryable): Promise<void> {
    const sql = `SELECT ${TABLE_ORDER.map((t) => `(SELECT coalesce(max(id), 0) FROM ${t})::float8 AS ${t}`).join(', ')}`;
    const { rows } = await db.query(sql);
    const row = rows[0] as Record<string, number>;
    for (const t of TABLE_ORDER) this.last.set(t, Math.max(this.last.get(t) ?? 0, Number(row[t])));
  }

  next(table: TableName): number {
    const id = (this.last.get(table) ?? 0) + 1;
    this.last.set(table, id);
    return id;
  }

  /** Moves every id sequence past the ids handed out (including rows not written yet). */
  async advanceSequences(db: Queryable): Promise<void> {
    const parts = TABLE_ORDER.map(
      (t, i) => `setval(pg_get_serial_sequence('${t}', 'id'), greatest($${i + 1}::bigint, 1), $${i + 1}::bigint > 0)`,
    );
    await db.query(
      `SELECT ${parts.join(', ')}`,
      TABLE_ORDER.map((t) => this.last.get(t) ?? 0),
    );
  }
}

interface Entry<R> {
  row: R;
  inserted: boolean;
}

/**
 * Rows waiting to be written. `flush(asOf)` inserts rows born by `asOf`, updates written rows whose
 * state changed since the previous flush, and keeps rows with a future still ahead of them.
 */
export class RowWriter {
  private readonly pending = new Map<TableName, Entry<unknown>[]>(TABLE_ORDER.map((t) => [t, []]));
  private lastFlush = -Infinity;

  add<T extends TableName>(table: T, row: RowTypes[T]): void {
    this.pending.get(table)!.push({ row, inserted: false });
  }

  /** `keepFuture=false` drops rows (and changes) after `asOf`: the end of a seeded history. */
  async flush(db: Queryable, asOf: number, keepFuture = true): Promise<SimulationStats> {
    const stats = emptyStats();
    for (const table of TABLE_ORDER) {
      const spec = SPECS[table] as TableSpec<unknown>;
      const entries = this.pending.get(table)!;
      const inserts: unknown[] = [];
      const updates: unknown[] = [];
      const keep: Entry<unknown>[] = [];
      for (const e of entries) {
        const later = spec.later(e.row).filter((x): x is number => x !== null);
        if (!e.inserted) {
          if (spec.born(e.row) > asOf) {
            if (keepFuture) keep.push(e);
            continue;
          }
          inserts.push(e.row);
          e.inserted = true;
        } else if (later.some((x) => x > this.lastFlush && x <= asOf)) {
          updates.push(e.row);
        }
        if (keepFuture && later.some((x) => x > asOf)) keep.push(e);
      }
      this.pending.set(table, keep);
      if (inserts.length > 0) await db.query(insertSql(table, spec), columnsOf(spec, inserts, asOf));
      if (updates.length > 0) await db.query(updateSql(table, spec), columnsOf(spec, updates, asOf));
      stats[table] = inserts.length;
    }
    this.lastFlush = asOf;
    return stats;
  }

  get size(): number {
    let n = 0;
    for (const e of this.pending.values()) n += e.length;
    return n;
  }
}

function columnsOf(spec: TableSpec<unknown>, rows: unknown[], asOf: number): unknown[][] {
  const cols: unknown[][] = [[], ...spec.columns.map(() => [])];
  for (const r of rows) {
    cols[0]!.push((r as { id: number }).id);
    const v = spec.values(r, asOf);
    for (let i = 0; i < v.length; i++) cols[i + 1]!.push(v[i]);
  }
  return cols;
}

const isTime = (type: string) => type === 'timestamptz';

function params(spec: TableSpec<unknown>): string {
  return ['$1::bigint[]', ...spec.columns.map(([, type], i) => `$${i + 2}::${isTime(type) ? 'float8' : type}[]`)].join(', ');
}

/** Column as read from the unnest() alias `u`, epoch milliseconds turned into timestamptz. */
function read([name, type]: readonly [string, string]): string {
  return isTime(type) ? `to_timestamp(u.${name} / 1000)` : `u.${name}`;
}

function insertSql(table: TableName, spec: TableSpec<unknown>): string {
  const names = ['id', ...spec.columns.map(([n]) => n)].join(', ');
  return `INSERT INTO ${table} (${names}) SELECT u.id, ${spec.columns.map(read).join(', ')} FROM unnest(${params(spec)}) AS u(${names})`;
}

function updateSql(table: TableName, spec: TableSpec<unknown>): string {
  const names = ['id', ...spec.columns.map(([n]) => n)].join(', ');
  const sets = spec.columns.map((c) => `${c[0]} = ${read(c)}`).join(', ');
  return `UPDATE ${table} SET ${sets} FROM unnest(${params(spec)}) AS u(${names}) WHERE ${table}.id = u.id`;
}
