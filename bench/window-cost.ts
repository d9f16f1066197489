/**
 * Cost of the window collectors kept as continuous aggregates, against the full-window SQL they
 * replaced (tests/support/reference): first cycle (build from the database), steady cycles (only
 * changes since the horizon), state memory. Wall time of each cycle through a read-only transaction,
 * which bounds its database time from above (for pg_stat_statements figures use collection-cost.ts).
 *
 *   npx tsx bench/window-cost.ts --db bench_1m [--cycles 3] [logins support …]   (names: only those collectors)
 */
import { parseConfig } from '../exporter/src/config/load';
import type { CollectorFactory } from '../exporter/src/collectors/types';
import { activeUsers } from '../exporter/src/collectors/active-users';
import { bounce } from '../exporter/src/collectors/bounce';
import { carts } from '../exporter/src/collectors/carts';
import { cohortRetention } from '../exporter/src/collectors/cohort-retention';
import { funnel } from '../exporter/src/collectors/funnel';
import { logins } from '../exporter/src/collectors/logins';
import { retention } from '../exporter/src/collectors/retention';
import { revenue } from '../exporter/src/collectors/revenue';
import { sellers } from '../exporter/src/collectors/sellers';
import { support } from '../exporter/src/collectors/support';
import { visitors } from '../exporter/src/collectors/visitors';
import { createPool, withReadOnly } from '../exporter/src/runtime/db';
import { createLogger } from '../exporter/src/runtime/logger';
import * as ref from '../tests/support/reference';
import { databaseUrl, parseBenchArgs } from './lib/cli';

const PAIRS: [string, CollectorFactory, CollectorFactory][] = [
  ['funnel', funnel, ref.funnel],
  ['visitors', visitors, ref.visitors],
  ['bounce', bounce, ref.bounce],
  ['revenue', revenue, ref.revenue],
  ['carts', carts, ref.carts],
  ['active_users', activeUsers, ref.activeUsers],
  ['logins', logins, ref.logins],
  ['support', support, ref.support],
  ['sellers', sellers, ref.sellers],
  ['retention', retention, ref.retention],
  ['cohort_retention', cohortRetention, ref.cohortRetention],
];

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  const args = parseBenchArgs(process.argv.slice(2).filter((a) => !names.includes(a)));
  const unknown = names.filter((n) => !PAIRS.some(([name]) => name === n));
  if (unknown.length)
    throw new Error(`unknown window collector ${unknown.join(', ')}: expected one of ${PAIRS.map(([n]) => n).join(', ')}`);
  const dbName = args.db ?? 'bench_1m';
  const config = parseConfig({ database: { url: databaseUrl(args.url, dbName) }, collection: { default_timeout: 300 } }, { env: {} });
  const pool = createPool(config);
  const log = createLogger('silent');
  const run = async (c: ReturnType<CollectorFactory>) => {
    const ctrl = new AbortController();
    const t0 = process.hrtime.bigint();
    await withReadOnly(pool, 300, ctrl.signal, (db) => c.collect({ db, config, log, signal: ctrl.signal }));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const rows: string[] = [];
  let totalRef = 0;
  let totalFirst = 0;
  let totalSteady = 0;
  for (const [name, factory, reference] of PAIRS.filter(([n]) => !names.length || names.includes(n))) {
    const before = process.memoryUsage().rss;
    const c = factory(config);
    const first = await run(c);
    const steady: number[] = [];
    for (let i = 0; i < args.cycles; i++) steady.push(await run(c));
    steady.sort((a, b) => a - b);
    const median = steady[Math.floor(steady.length / 2)]!;
    const full = await run(reference(config));
    const bytes = (c.windowStates ?? []).reduce((a, s) => a + (s.store?.bytes() ?? 0), 0);
    totalRef += full;
    totalFirst += first;
    totalSteady += median;
    rows.push(
      `| ${name} | ${full.toFixed(0)} | ${first.toFixed(0)} | ${median.toFixed(1)} | ${(bytes / 2 ** 20).toFixed(1)} | ${((process.memoryUsage().rss - before) / 2 ** 20).toFixed(0)} |`,
    );
    process.stderr.write(
      `${dbName} ${name}: full-window ${full.toFixed(0)} ms, first ${first.toFixed(0)} ms, steady ${median.toFixed(1)} ms\n`,
    );
  }
  await pool.end();
  console.log(`### ${dbName}: window collectors, wall ms per cycle (median of ${args.cycles} steady cycles)\n`);
  console.log('| collector | full-window SQL (before) | first cycle (build) | steady cycle (after) | state MiB | RSS growth MiB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  console.log(`| **total** | ${totalRef.toFixed(0)} | ${totalFirst.toFixed(0)} | ${totalSteady.toFixed(1)} | | |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
