/**
 * Cost of the linked reads (visitors' sessions, revenue's orders) on the real last minute of a
 * dataset, where some rows are of entities without a row in the 30 days before (new or lapsed: the
 * entity index cannot answer them). collection-cost.ts cannot show that part: its fresh rows copy the
 * newest rows, whose entities are all known. Compares, alternated, with EXPLAIN (ANALYZE, BUFFERS,
 * TIMING OFF) (execution only; the instrumentation is the same for both):
 *   before: linkedChangedSql (tests/support/reference/linked-changed.ts), every row's previous one probed;
 *   after:  linkedRangeSql, plus linkedPrevSql for the rows whose entity had no row in the 30 days
 *           before (what readLinked probes when the index holds every other entity).
 * Read-only. Usage: npx tsx bench/linked-read-minute.ts --db bench_busy_1m [--runs 11]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { VISITOR_SESSIONS } from '../exporter/src/collectors/visitors';
import { BUYER_ORDERS } from '../exporter/src/collectors/revenue';
import { type LinkedRows, linkedPrevSql, linkedRangeSql } from '../exporter/src/collectors/window-facts';
import { linkedChangedSql } from '../tests/support/reference/linked-changed';

const SERVER = process.env.BENCH_SERVER_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432';

async function explain(c: pg.Client, sql: string, params: unknown[]): Promise<{ ms: number; pages: number }> {
  const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) ${sql}`, params);
  const plan = rows[0]['QUERY PLAN'][0];
  return { ms: plan['Execution Time'], pages: plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks'] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { db: { type: 'string', default: 'bench_busy_1m' }, runs: { type: 'string', default: '11' } } });
  const c = new pg.Client({ connectionString: `${SERVER}/${values.db}` });
  await c.connect();
  try {
    for (const o of [VISITOR_SESSIONS, BUYER_ORDERS] as LinkedRows[]) {
      const { table, key, time } = o;
      const [{ to, from, min_t }] = (
        await c.query(
          `SELECT max(${time}) AS to, max(${time}) - interval '1 minute' AS from, max(${time}) - interval '30 days' AS min_t FROM ${table}`,
        )
      ).rows;
      const { rows: all } = await c.query(`SELECT count(*)::int AS n FROM ${table} s WHERE s.${time} > $1 AND s.${time} <= $2`, [from, to]);
      // The rows readLinked would probe: no row of the entity in the 30 days before.
      const { rows: probed } = await c.query(
        `SELECT s.${key}::text AS k, s.${time} AS at, s.id FROM ${table} s
          WHERE s.${time} > $1 AND s.${time} <= $2
            AND NOT EXISTS (SELECT 1 FROM ${table} p WHERE p.${key} = s.${key} AND (p.${time}, p.id) < (s.${time}, s.id) AND p.${time} > $3)`,
        [from, to, min_t],
      );
      const before: { ms: number; pages: number }[] = [];
      const after: { ms: number; pages: number }[] = [];
      for (let i = 0; i < Number(values.runs); i++) {
        before.push(await explain(c, linkedChangedSql(o), [from, to, min_t]));
        const range = await explain(c, linkedRangeSql(o), [from, to]);
        const prev = probed.length
          ? await explain(c, linkedPrevSql(o), [probed.map((r) => r.k), probed.map((r) => r.at), probed.map((r) => r.id), min_t])
          : { ms: 0, pages: 0 };
        after.push({ ms: range.ms + prev.ms, pages: range.pages + prev.pages });
      }
      console.log(
        `${values.db} ${table}: ${all[0].n} rows in the last minute, ${probed.length} of an entity without a row in the 30 days before | ` +
          `before ${median(before.map((b) => b.ms)).toFixed(3)} ms, ${median(before.map((b) => b.pages))} pages | ` +
          `after (range + probe) ${median(after.map((a) => a.ms)).toFixed(3)} ms, ${median(after.map((a) => a.pages))} pages | ` +
          `median of ${values.runs} alternated, load ${os.loadavg()[0]!.toFixed(2)}`,
      );
    }
  } finally {
    await c.end();
  }
}

void main();
