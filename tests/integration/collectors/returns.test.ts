import { M } from '../../../shared/catalogue';
import { returns } from '../../../exporter/src/collectors/returns';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '40 days');
    INSERT INTO sellers (id, applied_at, approved_at) VALUES (1, now() - interval '90 days', now() - interval '80 days');
    INSERT INTO orders (id, user_id, seller_id, category, created_at, status, total_amount, currency)
      VALUES (1, 1, 1, 'fashion', now() - interval '30 days', 'delivered', 100, 'USD');`);
});
afterAll(() => tdb.drop());

async function insert(rs: [reason: string, at: number][]) {
  for (const [reason, at] of rs) {
    await tdb.pool.query(`INSERT INTO returns (order_id, reason, created_at) VALUES (1, $1, now() + make_interval(secs => $2))`, [
      reason,
      at,
    ]);
  }
}
const REASONS = new Set(['damaged', 'wrong_size', 'not_as_described', 'changed_mind']);
function expected(rs: [string, number][]) {
  const out: Record<string, number> = {};
  for (const [reason, at] of rs) {
    if (at > 0) continue;
    const k = `reason=${REASONS.has(reason) ? reason : 'other'}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

test('returns by reason, unknown reasons as other, new rows added once on the next cycle', async () => {
  const config = testConfig();
  const collector = build(returns, config);
  const first: [string, number][] = [
    ['wrong_size', -86_400],
    ['wrong_size', -60],
    ['smelled funny', -3600], // free text -> other
    ['', -10], // empty -> other
    ['damaged', 3600], // future
  ];
  await insert(first);
  const s1 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s1, M.returnsTotal.name)).toEqual(expected(first)); // wrong_size 2, other 2

  const second: [string, number][] = [
    ['damaged', 0],
    ['wrong_size', 0],
  ];
  await insert(second);
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s2, M.returnsTotal.name)).toEqual(expected([...first, ...second]));
  expect(seriesOf(s2, M.returnsTotal.name)).toEqual({ 'reason=wrong_size': 3, 'reason=other': 2, 'reason=damaged': 1 });

  const s3 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s3, M.returnsTotal.name)).toEqual(seriesOf(s2, M.returnsTotal.name));
});
