/**
 * Cost of every database collector of the registry (counters and window gauges): first cycle (build
 * from the database, no state), steady cycles (only changes since the horizon), state memory, and the
 * database time per wall minute at the default intervals (sum of steady cycle × 60 / interval).
 * Cycles are timed as wall time through the collector's read-only transaction, JavaScript included,
 * so they bound the database time from above: the shared server has no pg_stat_statements (for those
 * figures use collection-cost.ts, which also writes rows; this one only reads).
 *
 *   npx tsx bench/window-cost.ts --db bench_1m [--cycles 5] [--reference] [--only funnel,visitors]
 *
 * --reference also times the full-window SQL the window collectors replaced (tests/support/reference).
 * --fresh-copy NAME makes the steady cycles read new rows as well: the (read-only) database is copied
 * to the scratch database NAME (CREATE DATABASE … TEMPLATE, which needs nobody connected to it;
 * dropped at the end) and before each round of steady cycles a minute of rows at the dataset's own
 * rate is inserted there (bench/lib/fresh-rows.ts).
 * Steady cycles run round-robin over the collectors, as the scheduler interleaves them; the median per
 * collector is reported. RSS: peak (maxRSS) over the run, and after the steady cycles with every
 * collector's state held.
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { COLLECTOR_DEFAULTS, COLLECTORS, type CollectorName } from '../exporter/src/collectors';
import type { Collector, CollectorFactory } from '../exporter/src/collectors/types';
import { sharedState } from '../exporter/src/app';
import { parseConfig } from '../exporter/src/config/load';
import { createPool, withReadOnly } from '../exporter/src/runtime/db';
import { createLogger } from '../exporter/src/runtime/logger';
import * as ref from '../tests/support/reference';
import { ensureSchemaIndexesAt } from './lib/schema';
import { databaseUrl, parseBenchArgs } from './lib/cli';
import { dailyRates, insertFreshMinute } from './lib/fresh-rows';

/** The window collectors and the full-window SQL they replaced. */
const REFERENCE: Partial<Record<CollectorName, CollectorFactory>> = {
  funnel: ref.funnel,
  visitors: ref.visitors,
  bounce: ref.bounce,
  revenue: ref.revenue,
  carts: ref.carts,
  active_users: ref.activeUsers,
  logins: ref.logins,
  support: ref.support,
  sellers: ref.sellers,
  retention: ref.retention,
  cohort_retention: ref.cohortRetention,
};

const MiB = 2 ** 20;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** Copies `source` to the scratch database `target`; the benchmark databases themselves are never written. */
async function copyDatabase(serverUrl: string, source: string, target: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(target) || target === source || target.startsWith('bench_'))
    throw new Error(`--fresh-copy: expected a new scratch database name (not ${source}, not bench_*), got ${target}`);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    // FILE_COPY: a checkpoint and a file copy instead of WAL-logging every page of the copy.
    await admin.query(`CREATE DATABASE ${target} TEMPLATE ${source} STRATEGY FILE_COPY`);
  } catch (e) {
    if ((e as { code?: string }).code === '55006') throw new Error(`--fresh-copy: ${source} is in use, it cannot be copied now`);
    throw e;
  } finally {
    await admin.end();
  }
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function main(): Promise<void> {
  // Own flags first; the rest are the shared benchmark options.
  const argv = process.argv.slice(2);
  const rest: string[] = [];
  const own: { reference?: boolean; only?: string; freshCopy?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--reference') own.reference = true;
    else if (argv[i] === '--only') own.only = argv[++i];
    else if (argv[i] === '--fresh-copy') own.freshCopy = argv[++i];
    else rest.push(argv[i]!);
  }
  const args = parseBenchArgs(rest);
  const source = args.db ?? 'bench_1m';
  const dbName = own.freshCopy ?? source;
  if (own.freshCopy) {
    await copyDatabase(args.url, source, own.freshCopy);
    process.stderr.write(`${source} copied to ${own.freshCopy}\n`);
  }
  try {
    await measure({ ...own, only: typeof own.only === 'string' ? own.only.split(',') : null }, args, source, dbName);
  } finally {
    if (own.freshCopy) await dropDatabase(args.url, own.freshCopy);
  }
}

async function measure(
  own: { reference?: boolean; only: string[] | null; freshCopy?: string },
  args: ReturnType<typeof parseBenchArgs>,
  source: string,
  dbName: string,
): Promise<void> {
  const only = own.only;
  const names = (Object.keys(COLLECTORS) as CollectorName[]).filter((n) => COLLECTOR_DEFAULTS[n].enabled && (!only || only.includes(n)));
  const unknown = (only ?? []).filter((n) => !(n in COLLECTORS));
  if (unknown.length) throw new Error(`--only: unknown collector ${unknown.join(', ')}`);

  await ensureSchemaIndexesAt(databaseUrl(args.url, dbName), dbName);
  // Collectors left out by --only are disabled, so what they would share is built as the exporter would.
  const disabled = Object.fromEntries(
    (Object.keys(COLLECTORS) as CollectorName[]).filter((n) => !names.includes(n)).map((n) => [n, { enabled: false }]),
  );
  const config = parseConfig(
    { database: { url: databaseUrl(args.url, dbName) }, collection: { default_timeout: 600 }, collectors: disabled },
    { env: {} },
  );
  const pool = createPool(config);
  const log = createLogger('silent');
  /** CPU ms of this process (user + system) per cycle, by collector: the exporter's side, not load-sensitive. */
  const cpu = new Map<string, number[]>();
  const run = async (c: Collector) => {
    const ctrl = new AbortController();
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await withReadOnly(pool, 600, ctrl.signal, (db) => c.collect({ db, config, log, signal: ctrl.signal }));
    const used = process.cpuUsage(c0);
    cpu.set(c.name, [...(cpu.get(c.name) ?? []), (used.user + used.system) / 1000]);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const startLoad = load();
  const started = new Date().toISOString();

  // As the exporter builds them: with active_users and revenue both measured, ARPU reads active_users'
  // store of signed-in sessions (its state MiB is counted under active_users).
  const shared = sharedState(config);
  const collectors = names.map((n) => COLLECTORS[n](config, shared)).filter((c) => c.usesDatabase);
  const first = new Map<string, number>();
  for (const c of collectors) {
    first.set(c.name, await run(c));
    process.stderr.write(`${dbName} ${c.name}: first ${first.get(c.name)!.toFixed(0)} ms (load ${load()})\n`);
  }
  const steady = new Map<string, number[]>(collectors.map((c) => [c.name, []]));
  const writer = own.freshCopy ? new pg.Pool({ connectionString: databaseUrl(args.url, dbName), max: 1 }) : null;
  const dbNow = async () => (await writer!.query<{ now: string }>(`SELECT now()::text AS now`)).rows[0]!.now;
  let since = writer ? await dbNow() : '';
  // Before any fresh row exists: every cycle inserts a minute at the dataset's own rate (see insertFreshMinute).
  const rates = writer ? await dailyRates(writer) : new Map<string, number>();
  let freshRows = 0;
  for (let k = 0; k < args.cycles; k++) {
    if (writer) {
      const now = await dbNow();
      freshRows = (await insertFreshMinute(writer, since, rates)).reduce((a, f) => a + f.rows, 0);
      since = now;
    }
    for (const c of collectors) steady.get(c.name)!.push(await run(c));
  }
  await writer?.end();
  const steadyLoad = load();
  (globalThis as { gc?: () => void }).gc?.();
  const rssSteady = process.memoryUsage().rss;
  const rssPeak = process.resourceUsage().maxRSS * 1024;

  const reference = new Map<string, number>();
  if (own.reference) {
    for (const c of collectors) {
      const r = REFERENCE[c.name as CollectorName];
      if (r) reference.set(c.name, await run(r(config)));
    }
  }
  await pool.end();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  let totalFirst = 0;
  let totalSteady = 0;
  let totalCpu = 0;
  let perMinute = 0;
  const rows: string[] = [];
  for (const c of collectors) {
    const m = median(steady.get(c.name)!);
    // The first entry is the build; the steady cycles follow.
    const cpuMs = median(cpu.get(c.name)!.slice(1, 1 + args.cycles));
    totalCpu += cpuMs;
    const interval = COLLECTOR_DEFAULTS[c.name as CollectorName].interval;
    const minute = (m * 60) / interval;
    const bytes = (c.windowStates ?? []).reduce((a, s) => a + (s.store?.bytes() ?? 0), 0);
    totalFirst += first.get(c.name)!;
    totalSteady += m;
    perMinute += minute;
    const refMs = reference.get(c.name);
    rows.push(
      `| ${c.name} | ${c.windowStates?.length ? 'window facts' : 'other'} | ${first.get(c.name)!.toFixed(0)} | ${m.toFixed(1)} | ${cpuMs.toFixed(1)} | ${interval} | ${minute.toFixed(1)} | ${bytes ? (bytes / MiB).toFixed(1) : ''} |${own.reference ? ` ${refMs === undefined ? '' : refMs.toFixed(0)} |` : ''}`,
    );
  }
  const out = [
    `<!-- npx tsx bench/window-cost.ts --db ${source} --cycles ${args.cycles}${own.freshCopy ? ` --fresh-copy ${own.freshCopy}` : ''}${own.reference ? ' --reference' : ''}${only ? ` --only ${only.join(',')}` : ''} -->`,
    `### ${source}: database collectors, wall ms per cycle through the read-only transaction`,
    '',
    ...(own.freshCopy
      ? [`Steady cycles on a copy of ${source}, each round after inserting a minute of rows at its rate (${freshRows} rows).`, '']
      : []),
    `Started ${started}; load average (1/5/15 min) ${startLoad} at start, ${steadyLoad} after the steady cycles, on 2 shared cores.`,
    `Steady cycle = median of ${args.cycles} round-robin cycles; exporter CPU = median user + system CPU of this process in those cycles (JavaScript, row parsing). DB ms/min = steady × 60 / default interval (an upper bound: wall time, JS included).`,
    '',
    `| collector | kind | first cycle (build) | steady cycle | of which exporter CPU | interval s | DB ms per wall minute | state MiB |${own.reference ? ' full-window SQL (before) |' : ''}`,
    `|---|---|---:|---:|---:|---:|---:|---:|${own.reference ? '---:|' : ''}`,
    ...rows,
    `| **total** | | ${totalFirst.toFixed(0)} | ${totalSteady.toFixed(1)} | ${totalCpu.toFixed(1)} | | ${perMinute.toFixed(1)} | |${own.reference ? ' |' : ''}`,
    '',
    `RSS of this process, holding every collector's state as the exporter does: ${(rssSteady / MiB).toFixed(0)} MiB after the steady cycles, ${(rssPeak / MiB).toFixed(0)} MiB peak.`,
  ];
  console.log(out.join('\n'));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
