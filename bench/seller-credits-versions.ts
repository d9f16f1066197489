/**
 * Seller credits, the full aggregate (SELLER_CREDITS_SQL) against the in-memory balances that read only
 * changed sellers, alternated cycle by cycle in one run. Read-only, so it may run against bench_10m.
 * Per cycle: database time from pg_stat_statements, the exporter's CPU time (transaction included), and how many sellers the
 * balances read; both must publish the same values.
 *
 *   npx tsx bench/seller-credits-versions.ts --db bench_10m --cycles 9
 *
 * `--update N` changes N random sellers' credits_used before each cycle (writes: refused on the shared
 * bench_* and live_* databases; use a scratch copy, e.g. of the sellers table alone).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { exactDecimal, SellerBalances } from '../exporter/src/collectors/seller-balances';
import { SELLER_CREDITS_SQL } from '../exporter/src/collectors/seller-credits';
import { parseConfig } from '../exporter/src/config/load';
import { createPool, type Db, withReadOnly } from '../exporter/src/runtime/db';
import { benchConfig } from './lib/bench-config';
import { databaseUrl } from './lib/cli';
import { StatementMonitor, diffStatements, totalOf } from './lib/statements';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres' },
      db: { type: 'string' },
      cycles: { type: 'string', default: '9' },
      update: { type: 'string', default: '0' },
    },
  });
  if (!values.db) throw new Error('--db is required');
  const updates = Number(values.update);
  if (updates > 0 && /^(bench|live)_/.test(values.db)) throw new Error(`--update writes: not on ${values.db}, use a scratch copy`);
  const config = parseConfig(benchConfig({ databaseUrl: databaseUrl(values.url, values.db), interval: '1h', customMetrics: false }), {
    env: {},
  });
  const ratio = config.thresholds.low_seller_credit_ratio;
  const pool = createPool(config);
  const monitor = await StatementMonitor.open(values.url, values.db);
  const balances = new SellerBalances(exactDecimal(ratio));
  const aggregate = async (db: Db) => {
    const [r] = await db.query(SELLER_CREDITS_SQL, [ratio]);
    return { total: Number(r?.total), used: Number(r?.used), low: Number(r?.low) };
  };
  const measure = async (fn: (db: Db) => Promise<unknown>) => {
    const before = await monitor.snapshot();
    const cpu = process.cpuUsage();
    const ctrl = new AbortController();
    const out = await withReadOnly(pool, 60, ctrl.signal, fn);
    const { user, system } = process.cpuUsage(cpu);
    return { out, dbMs: totalOf(diffStatements(before, await monitor.snapshot())).totalMs, cpuMs: (user + system) / 1000 };
  };
  const rows: {
    cycle: number;
    aggregateMs: number;
    versionsMs: number;
    aggregateCpuMs: number;
    versionsCpuMs: number;
    sellersRead: number;
    load: string;
  }[] = [];
  try {
    const first = await measure((db) => balances.refresh(db));
    process.stderr.write(
      `first (full) read: ${first.dbMs.toFixed(2)} ms DB, ${first.cpuMs.toFixed(1)} ms CPU, ${balances.lastRead} sellers\n`,
    );
    for (let cycle = 1; cycle <= Number(values.cycles); cycle++) {
      if (updates > 0) {
        await pool.query(
          `UPDATE sellers SET credits_used = credits_used + 0.01
            WHERE id IN (SELECT id FROM sellers ORDER BY random() LIMIT $1) AND credits_used < credits_total`,
          [updates],
        );
      }
      // Alternate which goes first, so neither always follows the other's cache warm-up.
      const order = cycle % 2 === 0 ? ['aggregate', 'versions'] : ['versions', 'aggregate'];
      const r: Record<string, Awaited<ReturnType<typeof measure>>> = {};
      for (const k of order) r[k] = await measure((db) => (k === 'aggregate' ? aggregate(db) : balances.refresh(db)));
      if (JSON.stringify(r.aggregate!.out) !== JSON.stringify(r.versions!.out)) {
        throw new Error(`values differ: ${JSON.stringify(r.aggregate!.out)} vs ${JSON.stringify(r.versions!.out)}`);
      }
      rows.push({
        cycle,
        aggregateMs: r.aggregate!.dbMs,
        versionsMs: r.versions!.dbMs,
        aggregateCpuMs: r.aggregate!.cpuMs,
        versionsCpuMs: r.versions!.cpuMs,
        sellersRead: balances.lastRead,
        load: os.loadavg()[0]!.toFixed(2),
      });
    }
  } finally {
    await monitor.close();
    await pool.end();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = {
    database: values.db,
    load: os.loadavg().map((x) => x.toFixed(2)),
    medianAggregateMs: median(rows.map((r) => r.aggregateMs)),
    medianVersionsMs: median(rows.map((r) => r.versionsMs)),
    medianAggregateCpuMs: median(rows.map((r) => r.aggregateCpuMs)),
    medianVersionsCpuMs: median(rows.map((r) => r.versionsCpuMs)),
    stateBytes: balances.bytes(),
    cycles: rows,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
