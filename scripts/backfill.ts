/**
 * `npm run backfill -- --tsdb <prometheus data dir>`: writes 35 days of simulated marketplace
 * history into a Prometheus data directory, so dashboards open populated (WoW/MoM deltas, 30-day
 * retention) instead of starting empty. The real collectors run against a simulated database at past
 * instants; promtool turns the result into TSDB blocks. Prometheus must keep at least that much
 * retention (--storage.tsdb.retention.time=45d) or it deletes the blocks at once.
 *
 * Options: --tsdb DIR (required)  --days 35  --step 1h  --seed 42
 *          --instance 127.0.0.1:9464 (the `instance` label Prometheus gives the exporter scrape target)
 *          --promtool /usr/bin/promtool
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SELECTORS } from '../shared/conventions';
import { parseConfig } from '../exporter/src/config/load';
import { startEmbeddedDatabase } from '../exporter/src/demo/embedded';
import { DEFAULT_SESSIONS_PER_DAY, seedHistory } from '../exporter/src/demo/simulator';
import { createBlocks, historyInstants, simulateHistory } from './stack/history';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function seconds(d: string): number {
  const m = /^(\d+)([smhd])$/.exec(d);
  if (!m) throw new Error(`--step: expected a duration like 30m or 1h, got ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export interface BackfillOptions {
  tsdb: string;
  days: number;
  stepSeconds: number;
  seed: number;
  instance: string;
  promtool: string;
  log?: (line: string) => void;
}

/** Seeds an embedded database (never the marketplace's), simulates its metrics history, writes blocks. */
export async function backfill(o: BackfillOptions): Promise<{ samples: number }> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const work = mkdtempSync(path.join(os.tmpdir(), 'pulse-backfill-'));
  const db = await startEmbeddedDatabase({ maxConnections: 8 });
  try {
    const end = new Date();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    log(`seeding ${o.days} days of simulated marketplace activity…`);
    await seedHistory(pool, { seed: o.seed, days: o.days, sessionsPerDay: DEFAULT_SESSIONS_PER_DAY, end });
    await pool.end();
    const config = parseConfig(
      { database: { url: db.url }, collection: { settle_lag: 0 }, demo: { mode: 'off' }, log: { level: 'silent' } },
      { env: {} },
    );
    const instants = historyInstants(end, o.days, o.stepSeconds);
    log(`running the collectors at ${instants.length} past instants…`);
    const { text, samples } = await simulateHistory({
      config,
      instants,
      job: SELECTORS.exporterJob,
      instance: o.instance,
      onProgress: (done, total) => {
        if (done % 50 === 0 || done === total) log(`  ${done}/${total}`);
      },
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
    process.stderr.write('usage: npm run backfill -- --tsdb <prometheus data dir> [--days 35] [--step 1h] [--instance 127.0.0.1:9464]\n');
    process.exit(2);
  }
  await backfill({
    tsdb: path.resolve(tsdb),
    days: Number(arg('days', '35')),
    stepSeconds: seconds(arg('step', '1h')!),
    seed: Number(arg('seed', '42')),
    instance: arg('instance', '127.0.0.1:9464')!,
    promtool: arg('promtool', 'promtool')!,
  });
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`backfill failed: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
