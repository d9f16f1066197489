/**
 * `npm run backfill -- --tsdb <prometheus data dir>`: writes 35 days of simulated marketplace
 * history into a Prometheus data directory, so dashboards open populated (WoW/MoM deltas, 30-day
 * retention) instead of starting empty. The real collectors replay a simulated database forward
 * through past instants with the same incremental state a running exporter keeps; promtool turns the
 * result into TSDB blocks. Prometheus must keep at least that much retention
 * (--storage.tsdb.retention.time=45d) or it deletes the blocks at once.
 *
 * Options: --tsdb DIR (required)  --days 35  --step 1h  --seed 42
 *          --instance 127.0.0.1:9464 (the `instance` label Prometheus gives the exporter scrape target)
 *          --promtool /usr/bin/promtool
 *          --database-url URL  a PostgreSQL server to simulate on instead of the embedded database:
 *                              a scratch database is created there (CREATEDB needed) and dropped after
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SELECTORS } from '../shared/conventions';
import { parseConfig } from '../exporter/src/config/load';
import { inProcessSeedTarget, SCHEMA_PATH, startEmbeddedDatabase } from '../exporter/src/demo/embedded';
import { DEFAULT_SESSIONS_PER_DAY, type SeedOptions, seedHistory } from '../exporter/src/demo/simulator';
import { createBlocks, historyInstants, pgliteReplayDatabase, type ReplayDatabase, simulateHistory } from './stack/history';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function seconds(d: string): number {
  const m = /^(\d+)([smhd])$/.exec(d);
  if (!m) throw new Error(`--step: expected a duration like 30m or 1h, got ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive whole number, got ${v}`);
  return n;
}

export interface BackfillOptions {
  tsdb: string;
  days: number;
  stepSeconds: number;
  seed: number;
  instance: string;
  promtool: string;
  /** A PostgreSQL server to simulate on (a scratch database is created and dropped); default embedded. */
  databaseUrl?: string;
  log?: (line: string) => void;
  /** Clock for the progress line (tests pin it). */
  now?: () => number;
}

/** A database the backfill owns for its run: seeded, replayed, then thrown away. */
interface Scratch {
  url: string;
  seed(opts: SeedOptions): Promise<unknown>;
  /** In-process replay on the embedded engine; undefined means a replay through `pg` on `url`. */
  replay: () => Promise<ReplayDatabase | undefined>;
  stop(): Promise<void>;
}

async function embeddedScratch(): Promise<Scratch> {
  const db = await startEmbeddedDatabase({ maxConnections: 8 });
  return {
    url: db.url,
    seed: (opts) => seedHistory(inProcessSeedTarget(db.pglite), opts),
    replay: () => pgliteReplayDatabase(db.pglite),
    stop: () => db.stop(),
  };
}

/** A fresh database next to the ones at `serverUrl`, never an existing one: the history is written into it. */
async function serverScratch(serverUrl: string): Promise<Scratch> {
  const name = `pulse_backfill_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(readFileSync(SCHEMA_PATH, 'utf8')).finally(() => c.end());
  return {
    url,
    seed: async (opts) => {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      return seedHistory(pool, opts).finally(() => pool.end());
    },
    replay: async () => undefined,
    async stop() {
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => a.end());
    },
  };
}

/** "instants done / total, rate, ETA" at most every few seconds, and at the end. */
export function progressReporter(log: (line: string) => void, now: () => number = Date.now, everyMs = 5000) {
  const start = now();
  let last = start;
  return (done: number, total: number) => {
    const t = now();
    if (done !== total && t - last < everyMs) return;
    last = t;
    const elapsed = (t - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    const tail = done === total ? `done in ${elapsed.toFixed(1)} s` : `ETA ${eta} s`;
    log(`  ${done}/${total} instants, ${rate.toFixed(1)}/s, ${tail}`);
  };
}

/** Seeds a database of its own (never the marketplace's), replays its metrics history, writes blocks. */
export async function backfill(o: BackfillOptions): Promise<{ samples: number }> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const work = mkdtempSync(path.join(os.tmpdir(), 'pulse-backfill-'));
  const db = o.databaseUrl ? await serverScratch(o.databaseUrl) : await embeddedScratch();
  try {
    const end = new Date();
    const seedStart = Date.now();
    log(`seeding ${o.days} days of simulated marketplace activity…`);
    await db.seed({ seed: o.seed, days: o.days, sessionsPerDay: DEFAULT_SESSIONS_PER_DAY, end });
    log(`  seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
    // Nothing changes the scratch database behind the replay's back, so a full refresh finds no drift
    // (history-replay.test.ts asserts 0): weekly rather than the live default of daily still runs every
    // window collector's refresh path five times in 35 days, for a fifth of its cost.
    const config = parseConfig(
      {
        database: { url: db.url },
        collection: { settle_lag: 0, full_refresh: 7 * 86_400 },
        demo: { mode: 'off' },
        log: { level: 'silent' },
      },
      { env: {} },
    );
    const instants = historyInstants(end, o.days, o.stepSeconds);
    log(`replaying the collectors forward through ${instants.length} past instants…`);
    const { text, samples } = await simulateHistory({
      config,
      instants,
      job: SELECTORS.exporterJob,
      instance: o.instance,
      database: await db.replay(),
      onProgress: progressReporter(log, o.now),
    });
    mkdirSync(o.tsdb, { recursive: true });
    await createBlocks(path.join(work, 'history.om.txt'), o.tsdb, text, o.promtool);
    log(`wrote ${samples} samples as TSDB blocks into ${o.tsdb}`);
    return { samples };
  } finally {
    await db.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const tsdb = arg('tsdb');
  if (!tsdb) {
    process.stderr.write(
      'usage: npm run backfill -- --tsdb <prometheus data dir> [--days 35] [--step 1h] [--instance 127.0.0.1:9464] [--database-url postgres://…]\n',
    );
    process.exit(2);
  }
  await backfill({
    tsdb: path.resolve(tsdb),
    days: positiveInt('days', arg('days', '35')!),
    stepSeconds: seconds(arg('step', '1h')!),
    seed: Number(arg('seed', '42')),
    instance: arg('instance', '127.0.0.1:9464')!,
    promtool: arg('promtool', 'promtool')!,
    databaseUrl: arg('database-url'),
  });
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`backfill failed: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
