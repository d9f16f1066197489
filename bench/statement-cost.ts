/**
 * Database execution time of alternative forms of a cycle's statements over one minute of rows, as
 * collection-cost.ts measures it (pg_stat_statements' total_exec_time, which includes sending the rows
 * to the client; EXPLAIN ANALYZE does not send them, so it would favour forms that return more rows).
 * The forms run alternated, round after round, each alone in its own statement; the median and the
 * quartiles of each are printed with its buffer pages and rows.
 *
 *   npx tsx bench/statement-cost.ts --db <scratch copy> --statements bench/results/raw-rows-statements.json --fresh
 *
 * --statements: a JSON object, name → SQL with $1 and $2 the range's bounds (timestamptz).
 * --fresh: first inserts a minute of new rows at the database's own daily rates, as collection-cost.ts
 *   does each cycle (so only on a copy: CREATE DATABASE x TEMPLATE bench_busy_1m STRATEGY FILE_COPY), and
 *   measures over (now - 61 s, now]. Without it: the last minute of the sessions' history. Read-only then.
 * --fresh-links: with --fresh, the minute's rows reference its copies where their source rows did.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { dailyRates, insertFreshMinute } from './lib/fresh-rows';
import { percentile } from './lib/scrape-load';
import { StatementMonitor, diffStatements } from './lib/statements';

const SERVER = process.env.BENCH_SERVER_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432';

interface Run {
  ms: number;
  pages: number;
  rows: number;
}

/** The nearest-rank percentile of unsorted values (scrape-load's percentile). */
const at = (xs: number[], p: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    p,
  );

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      statements: { type: 'string' },
      rounds: { type: 'string', default: '30' },
      fresh: { type: 'boolean', default: false },
      'fresh-links': { type: 'boolean', default: false },
    },
  });
  if (!values.db || !values.statements) throw new Error('usage: --db <database> --statements <file.json> [--rounds 30] [--fresh]');
  const forms: Record<string, string> = JSON.parse(readFileSync(values.statements, 'utf8'));
  const pool = new pg.Pool({ connectionString: `${SERVER}/${values.db}`, max: 1 });
  const monitor = await StatementMonitor.open(`${SERVER}/postgres`, values.db);
  try {
    let range: [string, string];
    if (values.fresh) {
      const rates = await dailyRates(pool);
      const since = (await pool.query(`SELECT to_json(now() - interval '60 seconds') #>> '{}' AS s`)).rows[0].s;
      const added = await insertFreshMinute(pool, since, rates, { linked: values['fresh-links'] });
      console.error(`inserted ${added.reduce((n, t) => n + t.rows, 0)} fresh rows into ${added.length} tables`);
      await pool.query('VACUUM ANALYZE');
      const r = (await pool.query(`SELECT to_json(now() - interval '61 seconds') #>> '{}' AS f, to_json(now()) #>> '{}' AS t`)).rows[0];
      range = [r.f, r.t];
    } else {
      const r = (
        await pool.query(
          `SELECT to_json(max(started_at) - interval '60 seconds') #>> '{}' AS f, to_json(max(started_at)) #>> '{}' AS t FROM sessions`,
        )
      ).rows[0];
      range = [r.f, r.t];
    }
    const runs = new Map<string, Run[]>(Object.keys(forms).map((k) => [k, []]));
    for (let i = 0; i < Number(values.rounds); i++) {
      for (const [name, sql] of Object.entries(forms)) {
        const before = await monitor.snapshot();
        await pool.query(sql, range);
        const d = diffStatements(before, await monitor.snapshot()).filter((s) => !/pg_stat_statements/.test(s.query));
        runs.get(name)!.push({
          ms: d.reduce((n, s) => n + s.totalMs, 0),
          pages: d.reduce((n, s) => n + s.pages, 0),
          rows: d.reduce((n, s) => n + s.rows, 0),
        });
      }
    }
    console.log(`${values.db}, range (${range[0]}, ${range[1]}], ${values.rounds} rounds alternated:`);
    for (const [name, rs] of runs) {
      const ms = rs.map((r) => r.ms);
      const pages = at(
        rs.map((r) => r.pages),
        50,
      );
      const rows = at(
        rs.map((r) => r.rows),
        50,
      );
      const quartiles = `${at(ms, 25).toFixed(3)}–${at(ms, 75).toFixed(3)}`;
      console.log(`  ${name.padEnd(36)} median ${at(ms, 50).toFixed(3)} ms (quartiles ${quartiles}), ${pages} pages, ${rows} rows`);
    }
  } finally {
    await monitor.close();
    await pool.end();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
