/**
 * Cost of the seller leaderboard's SQL panels on a benchmark database, as Grafana runs them: one
 * read-only transaction per panel, macros expanded for the last `--days` days before the newest order.
 *
 *   npx tsx bench/seller-leaderboard.ts --url postgres://postgres:postgres@127.0.0.1:5432/bench_10m [--days 30] [--runs 3]
 *
 * Prints, per panel, the rows returned and the wall time of each run (the first run reads from disk,
 * later ones mostly from shared buffers). Never writes to the database.
 */
import pg from 'pg';
import { LEADERBOARD_PANELS } from '../dashboards/seller-leaderboard';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

async function main(): Promise<void> {
  const url = arg('url');
  const days = Number(arg('days', '30'));
  const runs = Number(arg('runs', '3'));
  if (!Number.isInteger(days) || days < 1 || !Number.isInteger(runs) || runs < 1)
    throw new Error('--days and --runs must be positive integers');
  const client = new pg.Client({ connectionString: url, application_name: 'pulse-bench-leaderboard' });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: Date }>('SELECT max(created_at) AS t FROM orders');
    const to = rows[0]!.t;
    const from = new Date(to.getTime() - days * 86_400_000);
    const lit = (d: Date) => `'${d.toISOString()}'`;
    console.log(`range ${from.toISOString()} .. ${to.toISOString()} (${days} days)`);
    for (const p of LEADERBOARD_PANELS) {
      const sql = p.sql.replace(/\$__timeFrom\(\)/g, lit(from)).replace(/\$__timeTo\(\)/g, lit(to));
      const times: string[] = [];
      let n = 0;
      for (let i = 0; i < runs; i++) {
        await client.query('BEGIN READ ONLY');
        const t0 = process.hrtime.bigint();
        const r = await client.query(sql);
        times.push(`${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
        await client.query('ROLLBACK');
        n = r.rowCount ?? 0;
      }
      console.log(`${p.title}: ${n} rows; ${times.join(', ')}`);
    }
  } finally {
    await client.end();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
