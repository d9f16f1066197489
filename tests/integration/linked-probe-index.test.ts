/**
 * The linked reads (visitors, active users, revenue) probe the previous row of the rows their entity
 * index cannot answer (linkedPrevSql: new or lapsed entities, rows out of order), and with `first`
 * (visitors, revenue) the entity's first row, in that probe or by id (linkedFirstSql). The contract's
 * (key, time, id) indexes make the previous-row probe's (time, id) bound an index condition and the
 * probe index-only: with the (key, time) indexes of earlier versions the bound was a filter, and every
 * entry stepped over cost a table page. The plans of those statements, as readLinked runs them (the rows
 * of an hour read by linkedRangeSql), are checked here, and the benchmark databases' move from the old
 * indexes to the new (bench/lib/schema.ts). The all-in-SQL reference (tests/support/reference/
 * linked-changed.ts) is not checked: it builds its probe from the same prevLateral, and the exporter
 * does not run it.
 */
import { ensureSchemaIndexes } from '../../bench/lib/schema';
import { SIGNED_IN_SESSIONS } from '../../exporter/src/collectors/active-users';
import { BUYER_ORDERS } from '../../exporter/src/collectors/revenue';
import { VISITOR_SESSIONS } from '../../exporter/src/collectors/visitors';
import { type LinkedRows, linkedFirstSql, linkedPrevSql, linkedRangeSql, usToTimestamp } from '../../exporter/src/collectors/window-facts';
import { createTestDatabase, type TestDatabase } from '../support/db';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  // 10,000 sessions of 2,000 visitors (two in three signed in, 500 users) and 5,000 orders, a minute apart.
  await tdb.pool.query(`
    INSERT INTO users (created_at) SELECT timestamptz '2026-01-01' FROM generate_series(1, 500);
    INSERT INTO sellers (applied_at) VALUES (timestamptz '2026-01-01');
    INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at)
      SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE i % 500 + 1 END, 'v-' || i % 2000, 'web', 'direct',
             timestamptz '2026-03-01' + i * interval '1 minute'
        FROM generate_series(1, 10000) i;
    INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency)
      SELECT i % 500 + 1, 1, 'books', timestamptz '2026-03-01' + i * interval '2 minutes', 'paid', 10, 'USD'
        FROM generate_series(1, 5000) i;`);
  await tdb.pool.query('VACUUM ANALYZE');
});
afterAll(async () => {
  await tdb.drop();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/** The scans of `table` in the plan of `sql` with `params`. */
async function scansOf(sql: string, params: unknown[], table: string): Promise<PlanNode[]> {
  const { rows } = await tdb.pool.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return nodes(rows[0]!['QUERY PLAN'][0]!.Plan).filter((n) => n['Relation Name'] === table);
}

/** An hour of the fixture as readLinked reads it (linkedRangeSql) and hands it to the probe: keys, times, ids. */
async function hourOf(o: LinkedRows): Promise<{ k: unknown[]; at: string[]; id: number[] }> {
  const { rows } = await tdb.pool.query(linkedRangeSql(o), ['2026-03-04T00:00:00Z', '2026-03-04T01:00:00Z']);
  expect(rows.length).toBeGreaterThanOrEqual(30);
  return { k: rows.map((r) => r.k), at: rows.map((r) => usToTimestamp(Number(r.t))), id: rows.map((r) => Number(r.id)) };
}

const MIN_T = '2026-02-01T00:00:00Z';

const LINKED: [string, LinkedRows, string][] = [
  ['visitors', VISITOR_SESSIONS, 'sessions_visitor_started_id_idx'],
  ['active users', SIGNED_IN_SESSIONS, 'sessions_user_started_id_idx'],
  ['revenue', BUYER_ORDERS, 'orders_user_created_id_idx'],
];

test.each(LINKED)('%s: the previous-row probe is index-only, bounded by (time, id) in the index', async (_name, o, index) => {
  const { k, at, id } = await hourOf(o);
  const scans = await scansOf(linkedPrevSql(o), o.first ? [k, at, id, MIN_T] : [k, at, id], o.table);
  const bound = `ROW(${o.time}, id) < ROW(s.${o.time}, s.id)`;
  const probes = scans.filter((n) => `${n['Index Cond'] ?? ''} ${n.Filter ?? ''}`.includes(bound));
  expect(probes).toHaveLength(1);
  expect(probes[0]).toMatchObject({ 'Node Type': 'Index Only Scan', 'Index Name': index });
  expect(probes[0]!['Index Cond']).toContain(`(${o.key} = s.${o.key}) AND (${bound})`);
  expect(probes[0]!.Filter).toBeUndefined();
  // With first, the entity's first row (firstCase) descends the same index by key.
  expect(scans).toHaveLength(o.first ? 2 : 1);
  for (const n of scans) {
    expect(n).toMatchObject({ 'Node Type': 'Index Only Scan', 'Index Name': index });
    expect(n['Index Cond']).toContain(`(${o.key} = s.${o.key})`);
    expect(n.Filter).toBeUndefined();
  }
});

test.each(LINKED.filter(([, o]) => o.first))('%s: the first row by id descends the same index by key', async (_name, o, index) => {
  const { id } = await hourOf(o);
  const probes = (await scansOf(linkedFirstSql(o), [id], o.table)).filter((n) => n.Alias !== 's');
  expect(probes).toHaveLength(1);
  expect(probes[0]).toMatchObject({ 'Node Type': 'Index Only Scan', 'Index Name': index });
  expect(probes[0]!['Index Cond']).toContain(`(${o.key} = s.${o.key})`);
  expect(probes[0]!.Filter).toBeUndefined();
});

test('a benchmark database of an earlier version gets the (key, time, id) indexes in place of the (key, time) ones', async () => {
  const old = {
    sessions_visitor_started_idx: 'sessions (visitor_id, started_at)',
    sessions_user_started_idx: 'sessions (user_id, started_at) WHERE user_id IS NOT NULL',
    orders_user_created_idx: 'orders (user_id, created_at)',
  };
  const replacements = ['orders_user_created_id_idx', 'sessions_user_started_id_idx', 'sessions_visitor_started_id_idx'];
  for (const name of replacements) await tdb.pool.query(`DROP INDEX ${name}`);
  for (const [name, on] of Object.entries(old)) await tdb.pool.query(`CREATE INDEX ${name} ON ${on}`);

  expect((await ensureSchemaIndexes(tdb.pool, tdb.name)).sort()).toEqual(replacements);
  const { rows } = await tdb.pool.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename IN ('sessions', 'orders') AND (indexname LIKE '%user%' OR indexname LIKE '%visitor%') ORDER BY 1`,
  );
  expect(rows.map((r) => r.name)).toEqual(replacements);
  expect(rows.find((r) => r.name === 'sessions_user_started_id_idx')!.def).toContain(
    '(user_id, started_at, id) WHERE (user_id IS NOT NULL)',
  );
});
