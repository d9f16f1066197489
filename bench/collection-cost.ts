/**
 * Database cost of collection: the first full collection (every counter reads its whole history)
 * and steady-state cycles (only the rows since the previous horizon, plus window gauges). Each
 * built-in collector runs once, in sequence, through the scheduler (read-only transaction, timeout);
 * pg_stat_statements around each run gives its database time and statements.
 *
 *   npx tsx bench/collection-cost.ts --url postgres://…/postgres --sizes 1000000   (uses bench_1m)
 *   npx tsx bench/collection-cost.ts --db bench_10m --cycles 9 --only seller_credits,support --no-fresh-rows
 *   npx tsx bench/collection-cost.ts --db bench_10m --seller-changes row_versions   (row versions even where a trigger keeps sellers.updated_at)
 *   npx tsx bench/collection-cost.ts --db cs_busy --only carts --cart-changes open_tail --convert-carts 20   (a scratch copy: converts carts)
 *   npx tsx bench/collection-cost.ts --db ts_busy --only support --ticket-changes tail_check --close-tickets 20   (a scratch copy: closes tickets)
 *   npx tsx bench/collection-cost.ts --db bench_busy_1m --top 40   (list a cycle's 40 costliest statements, with their pages)
 *   npx tsx bench/collection-cost.ts --db x_busy --fresh-links   (a new session's views, events and orders are new rows too)
 *   npx tsx bench/collection-cost.ts --db x_busy --settle-lag 6 --pace 3 --cycles 9
 *     (the product's cadence, 20× faster: collection.settle_lag 120 s over 60 s intervals makes each window
 *     collector's read cover the rows of three intervals and each counter's one interval, settled; so
 *     here, with a minute of rows inserted every 3 s. The first two steady cycles cover fewer.)
 */
import pg from 'pg';
import { scheduledCollectors, VERSION } from '../exporter/src/app';
import { COLLECTOR_DEFAULTS, type CollectorName } from '../exporter/src/collectors';
import { parseConfig } from '../exporter/src/config/load';
import { MetricStore } from '../exporter/src/metrics/store';
import { createPool } from '../exporter/src/runtime/db';
import { createLogger } from '../exporter/src/runtime/logger';
import { Scheduler } from '../exporter/src/runtime/scheduler';
import { benchConfig } from './lib/bench-config';
import { type BenchOptions, databaseUrl, parseBenchArgs, progress, sizeLabel } from './lib/cli';
import { dailyRates, freshRowMarks, insertFreshMinute, removeFreshRows, type FreshRows } from './lib/fresh-rows';
import { ensureSchemaIndexes } from './lib/schema';
import { StatementMonitor, diffStatements, oneLine, totalOf, type StatementDelta } from './lib/statements';

export interface CollectorCost {
  collector: string;
  up: boolean;
  error: string | null;
  wallMs: number;
  dbMs: number;
  /** Planning time, not in dbMs (0 unless pg_stat_statements.track_planning is on). */
  planMs: number;
  calls: number;
  /** Shared buffer pages the collector's statements touched. */
  pages: number;
}

export interface TopStatement {
  collector: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  planMs: number;
  rows: number;
  pages: number;
  query: string;
}

export interface CycleCost {
  wallMs: number;
  dbMs: number;
  planMs: number;
  calls: number;
  pages: number;
  failed: string[];
  collectors: CollectorCost[];
  top: TopStatement[];
}

export interface CollectionCostResult {
  database: string;
  first: CycleCost;
  /** Median (by database time) of the steady-state cycles, with every cycle's figures. */
  steady: CycleCost;
  steadyCycles: { wallMs: number; dbMs: number; planMs: number; pages: number }[];
  /** Database time per wall-clock minute at the default intervals: Σ steady DB time × 60 / interval. */
  dbMsPerMinute: number;
  freshRowsPerCycle: FreshRows[];
  /** Set when fresh rows came at another database's rate (--fresh-rate-of). */
  freshRateOf?: string;
  /** Fresh rows referenced the minute's copies (--fresh-links). */
  freshLinks: boolean;
  settleLagSeconds: number;
  /** Seconds between steady cycles' starts (--pace). */
  paceSeconds?: number;
  /** collection.seller_changes as measured. */
  sellerChanges: string;
  /** collection.cart_changes as measured, and the open carts converted before each steady cycle. */
  cartChanges: string;
  convertedCartsPerCycle: number;
  /** collection.ticket_changes as measured, and the open tickets closed and scored before each steady cycle. */
  ticketChanges: string;
  closedTicketsPerCycle: number;
}

/**
 * Converts up to `n` open carts of the last 48 hours (the default mutable_horizon), spread over it, in
 * one statement: the status changes a shop's checkouts write between two cycles.
 */
async function convertCarts(writer: pg.Pool, n: number): Promise<number> {
  const { rowCount } = await writer.query(
    `UPDATE carts SET status = 'converted'
      WHERE id IN (SELECT id FROM carts WHERE status = 'open' AND created_at > now() - interval '48 hours'
                    ORDER BY hashint8(id) LIMIT $1)`,
    [n],
  );
  return rowCount ?? 0;
}

/**
 * Closes and scores up to `n` open tickets opened by now, spread over the backlog, in one statement: the
 * closings and scores support agents write between two cycles.
 */
async function closeTickets(writer: pg.Pool, n: number): Promise<number> {
  const { rowCount } = await writer.query(
    `UPDATE support_tickets SET closed_at = now(), csat_score = 1 + (hashint8(id) & 2147483647) % 5
      WHERE id IN (SELECT id FROM support_tickets WHERE closed_at IS NULL AND opened_at <= now()
                    ORDER BY hashint8(id) LIMIT $1)`,
    [n],
  );
  return rowCount ?? 0;
}

async function ratesOf(url: string): Promise<Map<string, number>> {
  const pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'marketplace-pulse-bench-rates' });
  try {
    return await dailyRates(pool);
  } finally {
    await pool.end();
  }
}

async function dbNow(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ t: string }>(`SELECT to_json(clock_timestamp()) #>> '{}' AS t`);
  return rows[0]!.t;
}

async function runCycle(
  label: string,
  scheduler: Scheduler,
  entries: ReturnType<typeof scheduledCollectors>,
  monitor: StatementMonitor,
  topCount: number,
): Promise<CycleCost> {
  const collectors: CollectorCost[] = [];
  const statements: (StatementDelta & { collector: string })[] = [];
  for (const e of entries) {
    const name = e.collector.name;
    const before = await monitor.snapshot();
    const t0 = process.hrtime.bigint();
    await scheduler.runOnce(e);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const deltas = diffStatements(before, await monitor.snapshot());
    const status = scheduler.status().find((s) => s.name === name)!;
    const sum = totalOf(deltas);
    collectors.push({
      collector: name,
      up: status.up,
      error: status.lastError,
      wallMs,
      dbMs: sum.totalMs,
      planMs: sum.planMs,
      calls: sum.calls,
      pages: sum.pages,
    });
    for (const d of deltas) statements.push({ ...d, collector: name });
    if (!status.up) progress(`  ${label}: ${name} FAILED: ${status.lastError}`);
    else if (wallMs > 1_000) progress(`  ${label}: ${name} took ${(wallMs / 1000).toFixed(1)} s`);
  }
  const top = statements
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, topCount)
    .map((s) => ({
      collector: s.collector,
      calls: s.calls,
      totalMs: s.totalMs,
      meanMs: s.meanMs,
      planMs: s.planMs,
      rows: s.rows,
      pages: s.pages,
      query: oneLine(s.query, 400),
    }));
  return {
    wallMs: collectors.reduce((a, c) => a + c.wallMs, 0),
    dbMs: collectors.reduce((a, c) => a + c.dbMs, 0),
    planMs: collectors.reduce((a, c) => a + c.planMs, 0),
    calls: collectors.reduce((a, c) => a + c.calls, 0),
    pages: collectors.reduce((a, c) => a + c.pages, 0),
    failed: collectors.filter((c) => !c.up).map((c) => c.collector),
    collectors,
    top,
  };
}

export async function runCollectionCost(o: {
  serverUrl: string;
  dbName: string;
  cycles: number;
  /** Insert fresh rows at this database's per-table rate instead of dbName's own. */
  freshRateOf?: string;
  /** Insert no fresh rows: steady cycles over the data as it is. */
  noFreshRows?: boolean;
  /** Fresh rows reference the minute's copies where their source did (see insertFreshMinute's `linked`). */
  freshLinks?: boolean;
  /** collection.settle_lag in seconds (0 when unset). */
  settleLag?: number;
  /** Seconds from one steady cycle's start to the next's (none: back to back). */
  pace?: number;
  /** Only these collectors. */
  only?: string[];
  /** collection.seller_changes; the product's default when unset. */
  sellerChanges?: BenchOptions['sellerChanges'];
  /** collection.cart_changes; the product's default when unset. */
  cartChanges?: BenchOptions['cartChanges'];
  /** Open carts converted before each steady cycle (0: none; fresh rows only insert). */
  convertCarts?: number;
  /** collection.ticket_changes; the product's default when unset. */
  ticketChanges?: BenchOptions['ticketChanges'];
  /** Open tickets closed and scored before each steady cycle (0: none). */
  closeTickets?: number;
  /** How many of a cycle's costliest statements to list (5 when unset). */
  top?: number;
}): Promise<CollectionCostResult> {
  const url = databaseUrl(o.serverUrl, o.dbName);
  const config = parseConfig(
    benchConfig({
      databaseUrl: url,
      interval: '1h',
      customMetrics: false,
      sellerChanges: o.sellerChanges,
      cartChanges: o.cartChanges,
      ticketChanges: o.ticketChanges,
      settleLag: o.settleLag,
    }),
    {
      env: {},
    },
  );
  const entries = scheduledCollectors(config).filter((e) => !o.only || o.only.includes(e.collector.name));
  const unknown = (o.only ?? []).filter((n) => !entries.some((e) => e.collector.name === n));
  if (unknown.length) throw new Error(`--only: not a default database collector: ${unknown.join(', ')}`);
  const pool = createPool(config);
  const writer = new pg.Pool({ connectionString: url, max: 1, application_name: 'marketplace-pulse-bench-writer' });
  const scheduler = new Scheduler(entries, { config, store: new MetricStore(config), pool, log: createLogger('silent'), version: VERSION });
  // A database generated before schema.sql gained an index gets it now: otherwise the cycles would be
  // measured on plans the data contract does not have (built once; a no-op afterwards).
  await ensureSchemaIndexes(writer, o.dbName);
  if (!o.noFreshRows) {
    // Rows earlier runs inserted sit on pages not yet marked all-visible (autovacuum waits for 20 % new
    // rows on a big table), so the index-only scans of a tail read the table too on a database measured
    // in place (bench_10m) but not on a fresh copy of a vacuumed template: vacuum so every run starts alike.
    const t0 = Date.now();
    await writer.query('VACUUM');
    progress(`${o.dbName}: vacuumed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  // Taken before the first insert: the run removes its rows when done (see removeFreshRows).
  const marks = o.noFreshRows ? null : await freshRowMarks(writer);
  const monitor = await StatementMonitor.open(o.serverUrl, o.dbName);
  try {
    progress(`${o.dbName}: first full collection, ${entries.length} collectors in sequence`);
    const first = await runCycle('first', scheduler, entries, monitor, o.top ?? 5);
    progress(
      `${o.dbName}: first full collection: ${(first.wallMs / 1000).toFixed(1)} s wall, ${(first.dbMs / 1000).toFixed(1)} s in the database`,
    );
    const cycles: CycleCost[] = [];
    let fresh: FreshRows[] = [];
    // Before any fresh row exists: every cycle inserts a minute at the dataset's own rate (see insertFreshMinute).
    const rates = o.freshRateOf ? await ratesOf(databaseUrl(o.serverUrl, o.freshRateOf)) : await dailyRates(writer);
    if (o.freshRateOf) progress(`${o.dbName}: fresh rows at ${o.freshRateOf}'s rate`);
    let startedAt = Date.now();
    for (let i = 1; i <= o.cycles; i++) {
      if (o.pace) {
        await new Promise((r) => setTimeout(r, Math.max(0, startedAt + o.pace! * 1000 - Date.now())));
        startedAt = Date.now();
      }
      if (!o.noFreshRows) fresh = await insertFreshMinute(writer, await dbNow(writer), rates, { linked: o.freshLinks });
      const converted = o.convertCarts ? await convertCarts(writer, o.convertCarts) : 0;
      const closed = o.closeTickets ? await closeTickets(writer, o.closeTickets) : 0;
      const c = await runCycle(`steady ${i}`, scheduler, entries, monitor, o.top ?? 5);
      progress(
        `${o.dbName}: steady-state cycle ${i}/${o.cycles} after inserting ${fresh.reduce((a, f) => a + f.rows, 0)} rows` +
          `${converted ? ` and converting ${converted} carts` : ''}${closed ? ` and closing ${closed} tickets` : ''}: ` +
          `${c.wallMs.toFixed(0)} ms wall, ${c.dbMs.toFixed(0)} ms in the database` +
          `${c.planMs > 0 ? ` (+ ${c.planMs.toFixed(0)} ms planning)` : ''}, ${c.calls} statements, ${c.pages} buffer pages`,
      );
      cycles.push(c);
    }
    const median = [...cycles].sort((a, b) => a.dbMs - b.dbMs)[Math.floor(cycles.length / 2)]!;
    const dbMsPerMinute = median.collectors.reduce(
      (a, c) => a + (c.dbMs * 60) / COLLECTOR_DEFAULTS[c.collector as CollectorName].interval,
      0,
    );
    return {
      database: o.dbName,
      first,
      steady: median,
      steadyCycles: cycles.map((c) => ({ wallMs: c.wallMs, dbMs: c.dbMs, planMs: c.planMs, pages: c.pages })),
      dbMsPerMinute,
      freshRowsPerCycle: fresh,
      freshRateOf: o.freshRateOf,
      freshLinks: o.freshLinks ?? false,
      settleLagSeconds: config.collection.settle_lag,
      paceSeconds: o.pace,
      sellerChanges: config.collection.seller_changes,
      cartChanges: config.collection.cart_changes,
      convertedCartsPerCycle: o.convertCarts ?? 0,
      ticketChanges: config.collection.ticket_changes,
      closedTicketsPerCycle: o.closeTickets ?? 0,
    };
  } finally {
    await scheduler.stop();
    await monitor.close();
    await pool.end();
    if (marks) progress(`${o.dbName}: removed the ${await removeFreshRows(writer, marks)} rows this run inserted`);
    await writer.end();
  }
}

if (require.main === module) {
  const args = parseBenchArgs();
  void (async () => {
    for (const dbName of args.db ? [args.db] : args.sizes.map((n) => `bench_${sizeLabel(n)}`)) {
      const r = await runCollectionCost({
        serverUrl: args.url,
        dbName,
        cycles: args.cycles,
        freshRateOf: args.freshRateOf,
        freshLinks: args.freshLinks,
        settleLag: args.settleLag,
        pace: args.pace,
        noFreshRows: args.noFreshRows,
        only: args.only,
        sellerChanges: args.sellerChanges,
        cartChanges: args.cartChanges,
        convertCarts: args.convertCarts,
        ticketChanges: args.ticketChanges,
        closeTickets: args.closeTickets,
        top: args.top,
      });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    }
  })().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
