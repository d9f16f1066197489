/**
 * The linked reads (visitors, active users, revenue) probe their entity's previous row once per new row.
 * The contract's (key, time, id) indexes make that probe's (time, id) bound an index condition and the
 * probe index-only: with the (key, time) indexes of earlier versions the bound was a filter, and every
 * entry stepped over (the new row itself first) cost a table page. The plans are checked here, and the
 * benchmark databases' move from the old indexes to the new (bench/lib/schema.ts).
 */
import { ensureSchemaIndexes } from '../../bench/lib/schema';
import { ACTIVE_SESSIONS_SQL } from '../../exporter/src/collectors/active-users';
import { ORDER_FACTS_SQL } from '../../exporter/src/collectors/revenue';
import { VISITOR_SESSIONS_SQL } from '../../exporter/src/collectors/visitors';
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
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/** The scans of `table` in the plan of `sql` over a slice of the fixture (($1, $2], minT $3). */
async function scansOf(sql: string, table: string): Promise<PlanNode[]> {
  const params = ['2026-03-04T00:00:00Z', '2026-03-04T01:00:00Z', '2026-02-01T00:00:00Z'].slice(0, sql.includes('$3') ? 3 : 2);
  const { rows } = await tdb.pool.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return nodes(rows[0]!['QUERY PLAN'][0]!.Plan).filter((n) => n['Relation Name'] === table);
}

test.each([
  ['visitors', VISITOR_SESSIONS_SQL, 'sessions', 'sessions_visitor_started_id_idx', 'started_at'],
  ['active users', ACTIVE_SESSIONS_SQL, 'sessions', 'sessions_user_started_id_idx', 'started_at'],
  ['revenue', ORDER_FACTS_SQL, 'orders', 'orders_user_created_id_idx', 'created_at'],
])('%s: the previous-row probe is index-only, bounded by (time, id) in the index', async (_name, sql, table, index, time) => {
  const bound = `ROW(${time}, id) < ROW(s.${time}, s.id)`;
  const probes = (await scansOf(sql, table)).filter((n) => `${n['Index Cond'] ?? ''} ${n.Filter ?? ''}`.includes(bound));
  expect(probes).toHaveLength(1);
  expect(probes[0]).toMatchObject({ 'Node Type': 'Index Only Scan', 'Index Name': index });
  expect(probes[0]!['Index Cond']).toContain(bound);
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
