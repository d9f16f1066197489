/**
 * Benchmark databases bench_<size>: created with bench/generate-data.ts when missing, reused when
 * they hold the requested number of orders (plus the few rows earlier runs inserted) and their
 * history is recent enough that the window gauges (1d/7d/30d) see a full window of activity.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { databaseUrl, progress } from './cli';
import { TABLE_ORDER as TABLES } from '../../exporter/src/demo/rows';
import { ensureSchemaIndexes } from './schema';

const ROOT = path.join(__dirname, '../..');

export interface BenchDatabase {
  name: string;
  url: string;
  rows: Record<string, number>;
  /** Seconds spent generating (and vacuuming) in this run; null when reused. */
  generatedSeconds: number | null;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'marketplace-pulse-bench' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Why an existing database cannot be reused, or null when it can. */
async function reuseProblem(url: string, orders: number, maxAgeHours: number): Promise<string | null> {
  return withClient(url, async (c) => {
    const t = await c.query(`SELECT to_regclass('public.orders') IS NOT NULL AS ok`);
    if (!t.rows[0].ok) return 'no orders table';
    const { rows } = await c.query<{ n: string; age_h: number | null }>(
      `SELECT (SELECT count(*) FROM orders) AS n, extract(epoch FROM now() - (SELECT max(created_at) FROM orders)) / 3600 AS age_h`,
    );
    const n = Number(rows[0]!.n);
    // Earlier runs add about one minute of orders per steady-state cycle.
    if (n < orders || n > orders * 1.01) return `it holds ${n} orders, not ${orders}`;
    const age = Number(rows[0]!.age_h);
    if (age > maxAgeHours) return `its newest order is ${age.toFixed(1)} h old (window gauges would see less than a full day)`;
    return null;
  });
}

function runGenerator(url: string, orders: number, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'bench/generate-data.ts'), '--url', url, '--orders', String(orders)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const relay = (b: Buffer) => {
      for (const line of b.toString().split('\n')) if (line.trim()) progress(`  [generate ${label}] ${line}`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench/generate-data.ts exited with ${code}`))));
  });
}

export async function rowCounts(url: string): Promise<Record<string, number>> {
  return withClient(url, async (c) => {
    const out: Record<string, number> = {};
    for (const t of TABLES) out[t] = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]!.n);
    return out;
  });
}

export async function ensureBenchDatabase(serverUrl: string, name: string, orders: number, maxAgeHours = 24): Promise<BenchDatabase> {
  const url = databaseUrl(serverUrl, name);
  const exists = await withClient(
    serverUrl,
    async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1,
  );
  let generatedSeconds: number | null = null;
  const problem = exists ? await reuseProblem(url, orders, maxAgeHours) : 'it does not exist';
  if (problem) {
    progress(`${name}: generating ${orders.toLocaleString('en')} orders (${problem})`);
    const t0 = Date.now();
    if (!exists) await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    await runGenerator(url, orders, name);
    generatedSeconds = (Date.now() - t0) / 1000;
    progress(`${name}: generated in ${generatedSeconds.toFixed(0)} s`);
  } else {
    progress(`${name}: reusing the existing database`);
    await withClient(url, (c) => ensureSchemaIndexes(c, name));
  }
  // A production database is kept vacuumed by autovacuum; vacuuming now keeps autovacuum of a fresh
  // load from running during the measurements and sets the visibility map for index-only scans
  // (quick when nothing changed since the last run).
  progress(`${name}: VACUUM (ANALYZE)`);
  const tv = Date.now();
  await withClient(url, (c) => c.query('VACUUM (ANALYZE)'));
  progress(`${name}: vacuumed in ${((Date.now() - tv) / 1000).toFixed(0)} s`);
  await withClient(url, (c) => c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements'));
  const rows = await rowCounts(url);
  progress(
    `${name}: ${Object.entries(rows)
      .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
      .join(', ')}`,
  );
  return { name, url, rows, generatedSeconds };
}
