/**
 * The reference schema (exporter/src/db/schema.sql) as statements, for benchmark databases: tables
 * before a bulk load, secondary indexes after it, and the indexes alone for a database generated
 * before the schema gained one (a benchmark would otherwise measure plans the contract does not have).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { progress } from './cli';

const SCHEMA_SQL = readFileSync(path.join(__dirname, '../../exporter/src/db/schema.sql'), 'utf8');

/** Schema statements, split into tables (before the load) and secondary indexes (after it). */
export function schemaParts(): { tables: string[]; indexes: string[] } {
  const statements = SCHEMA_SQL.split(/;\s*\n/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
  return { tables: statements.filter((s) => !/^CREATE INDEX/i.test(s)), indexes: statements.filter((s) => /^CREATE INDEX/i.test(s)) };
}

/** Columns schema.sql gained after the benchmark databases of earlier versions were generated. */
const LATER_COLUMNS = [
  'ALTER TABLE sellers ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now()',
  // A volatile DEFAULT would rewrite the table; now() is stable, so existing carts take the ALTER's instant at once.
  'ALTER TABLE carts ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now()',
  'ALTER TABLE support_tickets ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now()',
];

/**
 * Indexes of earlier schema versions and the index of schema.sql that replaced each: dropped once the
 * replacement exists, so a benchmark database measures the contract's plans and write cost, not both.
 */
const REPLACED_INDEXES: Readonly<Record<string, string>> = {
  sessions_visitor_started_idx: 'sessions_visitor_started_id_idx',
  sessions_user_started_idx: 'sessions_user_started_id_idx',
  orders_user_created_idx: 'orders_user_created_id_idx',
};

/**
 * Creates the schema's indexes that `db` lacks (every one is `CREATE INDEX IF NOT EXISTS`, so the
 * others are untouched) and returns their names; a missing one is built now, once (a minute at 10M).
 * Then drops the REPLACED_INDEXES whose replacement is there.
 */
export async function ensureSchemaIndexes(db: pg.Pool | pg.Client, label: string): Promise<string[]> {
  const created: string[] = [];
  // Columns and triggers the schema gained since (idempotent), before the indexes that may need them.
  for (const s of LATER_COLUMNS) {
    const [, table, column] = /^ALTER TABLE (\w+) ADD COLUMN IF NOT EXISTS (\w+)/.exec(s) ?? [];
    const { rows } = await db.query<{ present: boolean }>(
      `SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped) AS present`,
      [table, column],
    );
    if (rows[0]!.present) continue;
    await db.query(s);
    // A new column has no statistics until autovacuum's next analyze (20 % of a big table changed): the
    // planner would guess at the stamp range's selectivity, as a database upgraded without ANALYZE would.
    await db.query(`ANALYZE ${table}`);
    progress(`${label}: ${table}.${column} added and ${table} analyzed`);
  }
  for (const s of schemaParts().tables.filter((t) => /^CREATE OR REPLACE (FUNCTION|TRIGGER)/i.test(t))) await db.query(s);
  for (const s of schemaParts().indexes) {
    const name = /^CREATE INDEX IF NOT EXISTS (\w+)/i.exec(s)?.[1];
    if (!name) throw new Error(`schema.sql: expected CREATE INDEX IF NOT EXISTS <name>, got: ${s}`);
    const { rows } = await db.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [name]);
    if (rows[0]!.present) continue;
    progress(`${label}: creating index ${name}, new in schema.sql`);
    const t0 = Date.now();
    await db.query(s);
    progress(`${label}: index ${name} created in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    created.push(name);
  }
  for (const [old, replacement] of Object.entries(REPLACED_INDEXES)) {
    const { rows } = await db.query<{ old: boolean; replacement: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS old, to_regclass($2) IS NOT NULL AS replacement`,
      [old, replacement],
    );
    if (!rows[0]!.old || !rows[0]!.replacement) continue;
    progress(`${label}: dropping index ${old}, replaced by ${replacement}`);
    await db.query(`DROP INDEX ${old}`);
  }
  return created;
}

/** ensureSchemaIndexes through a connection of its own (the benchmarks' pools are read-only). */
export async function ensureSchemaIndexesAt(url: string, label: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url, application_name: 'marketplace-pulse-bench-schema' });
  await c.connect();
  try {
    return await ensureSchemaIndexes(c, label);
  } finally {
    await c.end();
  }
}
