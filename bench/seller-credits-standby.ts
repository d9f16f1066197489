/**
 * Seller credits on a hot standby: the in-memory balances (exporter/src/collectors/seller-balances.ts)
 * follow row versions, which a replica sees as its primary wrote them. This creates a scratch database on
 * the primary (it replicates to the standby), fills `sellers`, then, reading on the standby as the exporter
 * does, checks after each change made on the primary that the balances equal SELLER_CREDITS_SQL:
 * updates, an insert and a delete, a transaction left open on the primary while the standby reads, and
 * nothing changed. Exits 1 on any difference; the scratch database is dropped at the end.
 *
 *   npx tsx bench/seller-credits-standby.ts --primary postgres://…:5434/postgres --standby postgres://…:5435/postgres
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { exactDecimal, SellerBalances } from '../exporter/src/collectors/seller-balances';
import { SELLER_CREDITS_SQL } from '../exporter/src/collectors/seller-credits';
import type { Db } from '../exporter/src/runtime/db';
import { databaseUrl, progress } from './lib/cli';
import { schemaParts } from './lib/schema';

const SCRATCH = 'pulse_seller_standby_check';
const { values } = parseArgs({ options: { primary: { type: 'string' }, standby: { type: 'string' } } });
if (!values.primary || !values.standby) throw new Error('--primary URL and --standby URL are required (any database on each server)');
const primary = new pg.Pool({ connectionString: databaseUrl(values.primary, SCRATCH), max: 3 });
const standby = new pg.Pool({ connectionString: databaseUrl(values.standby, SCRATCH), max: 2 });
const ratio = 0.1;
const balances = new SellerBalances(exactDecimal(ratio));

async function replayed(): Promise<void> {
  const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  for (;;) {
    const r = await standby.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [rows[0]!.lsn]);
    if (r.rows[0]!.ok) return;
    await new Promise((res) => setTimeout(res, 20));
  }
}

async function cycle(label: string): Promise<void> {
  const c = await standby.connect();
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const db: Db = { query: async (sql: string, params?: unknown[]) => (await c.query(sql, params as unknown[])).rows } as unknown as Db;
    const got = await balances.refresh(db);
    const [ref] = (await c.query(SELLER_CREDITS_SQL, [ratio])).rows;
    await c.query('COMMIT');
    const want = { total: Number(ref.total), used: Number(ref.used), low: Number(ref.low) };
    const same = got.total === want.total && got.used === want.used && got.low === want.low;
    progress(
      `${label}: read ${balances.lastRead} rows; balances ${JSON.stringify(got)}, aggregate ${JSON.stringify(want)}: ${same ? 'equal' : 'DIFFERENT'}`,
    );
    if (!same) process.exitCode = 1;
  } finally {
    c.release();
  }
}

async function withServer(url: string, fn: (c: pg.Client) => Promise<void>): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await fn(c);
  } finally {
    await c.end();
  }
}

async function setUp(): Promise<void> {
  await withServer(values.primary!, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${SCRATCH}`);
    await c.query(`CREATE DATABASE ${SCRATCH}`);
  });
  const { tables, indexes } = schemaParts();
  for (const statement of [...tables, ...indexes]) await primary.query(statement);
  await primary.query(`INSERT INTO sellers (applied_at, approved_at, churned_at, credits_total, credits_used)
    SELECT now() - interval '100 days', now() - interval '90 days', CASE WHEN g % 20 = 0 THEN now() + interval '1 hour' END,
           (g % 500) + 100.25, (g % 400) + 0.5
      FROM generate_series(1, 2000) g`);
  await replayed();
  const { rows } = await standby.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
  if (!rows[0]!.r) throw new Error('--standby is not in recovery: point it at a hot standby of --primary');
}

async function main(): Promise<void> {
  await setUp();
  await cycle('full read');
  await primary.query('UPDATE sellers SET credits_used = credits_used + 7.25 WHERE id % 97 = 0');
  await replayed();
  await cycle('after 20 updates on the primary');
  await primary.query(
    `INSERT INTO sellers (applied_at, approved_at, credits_total, credits_used) VALUES (now(), now() - interval '1 day', 500, 480)`,
  );
  await primary.query('DELETE FROM sellers WHERE id = 5');
  await replayed();
  await cycle('after an insert and a delete');
  // A transaction open on the primary while the standby reads, committed after a later one.
  const open = await primary.connect();
  await open.query('BEGIN');
  await open.query('UPDATE sellers SET credits_used = credits_total WHERE id = 10');
  await primary.query('UPDATE sellers SET credits_total = credits_total + 1 WHERE id = 11');
  await replayed();
  await cycle('with a transaction open on the primary');
  await open.query('COMMIT');
  open.release();
  await replayed();
  await cycle('after it committed');
  await cycle('nothing changed');
  await primary.end();
  await standby.end();
  await withServer(values.primary!, (c) => c.query(`DROP DATABASE ${SCRATCH}`).then(() => undefined));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
