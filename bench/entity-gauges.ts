/**
 * Database time of the gauges over current entities (live sellers' credits, MRR, open tickets, open
 * bug reports) in steady cycles, read-only: no rows are inserted, so it may run against bench_10m,
 * which is too big to copy. The chosen collectors run through the scheduler as the exporter runs
 * them; pg_stat_statements around each run gives its database time.
 *
 *   npx tsx bench/entity-gauges.ts --db bench_10m --cycles 5 [--only seller_credits,revenue,support,bug_reports]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { scheduledCollectors, VERSION } from '../exporter/src/app';
import { parseConfig } from '../exporter/src/config/load';
import { MetricStore } from '../exporter/src/metrics/store';
import { createPool } from '../exporter/src/runtime/db';
import { createLogger } from '../exporter/src/runtime/logger';
import { Scheduler } from '../exporter/src/runtime/scheduler';
import { benchConfig } from './lib/bench-config';
import { databaseUrl, progress } from './lib/cli';
import { StatementMonitor, diffStatements, totalOf } from './lib/statements';

const DEFAULT_ONLY = 'seller_credits,revenue,support,bug_reports';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres' },
      db: { type: 'string' },
      cycles: { type: 'string', default: '5' },
      only: { type: 'string', default: DEFAULT_ONLY },
    },
  });
  if (!values.db) throw new Error('--db is required');
  const only = new Set(values.only.split(','));
  const config = parseConfig(benchConfig({ databaseUrl: databaseUrl(values.url, values.db), interval: '1h', customMetrics: false }), {
    env: {},
  });
  const entries = scheduledCollectors(config).filter((e) => only.has(e.collector.name));
  const pool = createPool(config);
  const scheduler = new Scheduler(entries, { config, store: new MetricStore(config), pool, log: createLogger('silent'), version: VERSION });
  const monitor = await StatementMonitor.open(values.url, values.db);
  const perCollector = new Map<string, number[]>(entries.map((e) => [e.collector.name, []]));
  try {
    for (let cycle = 0; cycle <= Number(values.cycles); cycle++) {
      for (const e of entries) {
        const before = await monitor.snapshot();
        await scheduler.runOnce(e);
        const status = scheduler.status().find((s) => s.name === e.collector.name)!;
        if (!status.up) throw new Error(`${e.collector.name} failed: ${status.lastError}`);
        // Cycle 0 is the first build; the rest are steady cycles.
        if (cycle > 0) perCollector.get(e.collector.name)!.push(totalOf(diffStatements(before, await monitor.snapshot())).totalMs);
      }
      if (cycle === 0) progress(`${values.db}: first build done`);
    }
  } finally {
    await scheduler.stop();
    await monitor.close();
    await pool.end();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows = [...perCollector].map(([collector, ms]) => ({ collector, medianMs: median(ms), cycles: ms }));
  const load = os.loadavg().map((x) => x.toFixed(2));
  process.stdout.write(
    `${JSON.stringify({ database: values.db, load, totalMedianMs: rows.reduce((a, r) => a + r.medianMs, 0), collectors: rows }, null, 2)}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
