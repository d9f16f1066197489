/**
 * CSAT's tail check statement by statement, read-only: the plain re-read of every scored ticket closed
 * inside mutable_horizon (CSAT_FACTS_SQL) against the per-bucket check (CSAT_CHANGED_SQL, integer sums
 * per bucket) with no bucket changed and with every bucket changed (fingerprints forced wrong), and
 * against an md5 of each bucket's facts (exact up to collisions, measured to choose between them). Alternated rounds; per variant the median server execution time
 * (EXPLAIN ANALYZE), buffer pages, median client wall time of the statement itself and the exporter's
 * CPU for the whole check (fingerprints, sending, parsing), with the load average.
 *
 *   npx tsx bench/csat-tail.ts --db bench_busy_1m --rounds 15
 */
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { CSAT_CHANGED_SQL, CSAT_FACTS_SQL, type Col, csatBuckets, readCsatChanged } from '../exporter/src/collectors/csat-tail';
import { FactStore, queryFacts, usOf, usToTimestamp } from '../exporter/src/collectors/window-facts';
import type { Db } from '../exporter/src/runtime/db';
import { databaseUrl } from './lib/cli';

/** Option (a), measured for comparison: md5 of each bucket's facts in (t, id) order. */
const MD5_SQL = `
  SELECT b.k FROM unnest($1::timestamptz[], $2::timestamptz[], $3::text[]) WITH ORDINALITY AS b (lo, hi, held, k)
   WHERE b.held <> (SELECT md5(coalesce(string_agg(id || ':' || ${usOf('closed_at')} || ':' || csat_score, ',' ORDER BY closed_at, id), ''))
                      FROM support_tickets WHERE closed_at > b.lo AND closed_at <= b.hi AND csat_score IS NOT NULL)`;

const md5Of = (facts: { id: number; t: number; score: number }[]) =>
  createHash('md5')
    .update(facts.map((f) => `${f.id}:${f.t}:${f.score}`).join(','))
    .digest('hex');

const US = 1_000_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () =>
  execSync('uptime')
    .toString()
    .trim()
    .replace(/.*load average: /, '');

async function main() {
  const { values } = parseArgs({ options: { db: { type: 'string' }, rounds: { type: 'string' }, url: { type: 'string' } } });
  const server = values.url ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: databaseUrl(server, values.db ?? 'bench_busy_1m') });
  await client.connect();
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
  const db: Db = { query: async (text, params) => (await client.query(text, params as unknown[])).rows };
  const [{ us }] = (await client.query(`SELECT ${usOf('now()')} AS us`)).rows as { us: number }[];
  const now = Number(us);
  const horizon = now - 60 * US; // settle_lag's default
  const tailFrom = horizon - 48 * 3600 * US; // mutable_horizon's default
  const store = new FactStore<Col>({ score: 'u8' });
  const facts = await queryFacts(db, CSAT_FACTS_SQL, [now - 30 * 86400 * US, now], (r) => ({
    id: Number(r.id),
    t: Number(r.t),
    score: Number(r.score),
  }));
  facts.sort((a, b) => a.t - b.t || a.id - b.id);
  for (const f of facts) store.upsert(f);
  const b = csatBuckets(store, tailFrom, horizon);
  console.error(`facts ${store.size}, buckets ${b.lo.length}, tail facts ${facts.filter((f) => f.t > tailFrom).length}, load ${load()}`);

  const factsOf = (k: number) => facts.filter((f) => f.t > b.lo[k]! && f.t <= b.hi[k]!);
  const md5s = b.lo.map((_, k) => md5Of(factsOf(k)));
  const ts = (xs: number[]) => xs.map(usToTimestamp);
  const variants: Record<string, { sql: string; params: () => unknown[]; run: () => Promise<unknown> }> = {
    plain: {
      sql: CSAT_FACTS_SQL,
      params: () => ts([tailFrom, now]),
      run: () => queryFacts(db, CSAT_FACTS_SQL, [tailFrom, now], (r) => ({ id: Number(r.id), t: Number(r.t), score: Number(r.score) })),
    },
    sums: {
      sql: CSAT_CHANGED_SQL,
      params: () => [...ts([horizon, now]), ts(b.lo), ts(b.hi), b.fingerprint],
      run: () => readCsatChanged(db, store, tailFrom, horizon, now),
    },
    sumsAllChanged: {
      sql: CSAT_CHANGED_SQL,
      params: () => [...ts([horizon, now]), ts(b.lo), ts(b.hi), b.fingerprint.map(() => 'x')],
      run: () => db.query(CSAT_CHANGED_SQL, [...ts([horizon, now]), ts(b.lo), ts(b.hi), b.fingerprint.map(() => 'x')]),
    },
    md5: {
      sql: MD5_SQL,
      params: () => [ts(b.lo), ts(b.hi), md5s],
      run: () => db.query(MD5_SQL, [ts(b.lo), ts(b.hi), b.lo.map((_, k) => md5Of(factsOf(k)))]),
    },
  };
  const out: Record<string, { execMs: number[]; pages: number[]; rows: number[]; wallMs: number[]; cpuMs: number[] }> = {};
  for (const name of Object.keys(variants)) out[name] = { execMs: [], pages: [], rows: [], wallMs: [], cpuMs: [] };
  const rounds = Number(values.rounds ?? 15);
  for (let r = 0; r < rounds; r++) {
    for (const [name, v] of Object.entries(variants)) {
      const [plan] = (await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${v.sql}`, v.params())).rows[0]['QUERY PLAN'];
      out[name]!.execMs.push(plan['Execution Time']);
      out[name]!.pages.push(plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks']);
      out[name]!.rows.push(plan.Plan['Actual Rows']);
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      await v.run();
      out[name]!.wallMs.push(performance.now() - t0);
      const d = process.cpuUsage(cpu);
      out[name]!.cpuMs.push((d.user + d.system) / 1000);
    }
  }
  const summary = Object.fromEntries(
    Object.entries(out).map(([name, o]) => [
      name,
      { execMs: median(o.execMs), pages: median(o.pages), rows: median(o.rows), wallMs: median(o.wallMs), exporterCpuMs: median(o.cpuMs) },
    ]),
  );
  console.log(JSON.stringify({ db: values.db, rounds, buckets: b.lo.length, load: load(), summary }, null, 1));
  await client.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
