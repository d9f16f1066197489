import { M } from '../../../shared/catalogue';
import { refunds } from '../../../exporter/src/collectors/refunds';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesKey, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '40 days');
    INSERT INTO sellers (id, applied_at, approved_at) VALUES (1, now() - interval '90 days', now() - interval '80 days');
    INSERT INTO orders (id, user_id, seller_id, category, created_at, status, total_amount, currency)
      VALUES (1, 1, 1, 'books', now() - interval '30 days', 'paid', 100, 'USD');
    INSERT INTO payments (id, order_id, provider, status, amount, currency, created_at, updated_at, succeeded_at)
      VALUES (1, 1, 'stripe', 'succeeded', 100, 'USD', now() - interval '30 days', now(), now() - interval '30 days');`);
});
afterAll(() => tdb.drop());

interface R {
  amount: number;
  currency: string;
  reason: string;
  at: number; // seconds from now()
}
async function insert(rs: R[]) {
  for (const r of rs) {
    await tdb.pool.query(
      `INSERT INTO refunds (payment_id, amount, currency, reason, created_at) VALUES (1, $1, $2, $3, now() + make_interval(secs => $4))`,
      [r.amount, r.currency, r.reason, r.at],
    );
  }
}

const CURRENCIES = new Set(['USD', 'EUR', 'GBP']);
const REASONS = new Set(['damaged', 'not_as_described', 'late_delivery', 'changed_mind', 'fraud']);
function expected(rs: R[]) {
  const count: Record<string, number> = {};
  const amount: Record<string, number> = {};
  for (const r of rs.filter((x) => x.at <= 0)) {
    const currency = CURRENCIES.has(r.currency) ? r.currency : 'other';
    const reason = REASONS.has(r.reason) ? r.reason : 'other';
    count[seriesKey({ currency, reason })] = (count[seriesKey({ currency, reason })] ?? 0) + 1;
    amount[seriesKey({ currency })] = (amount[seriesKey({ currency })] ?? 0) + r.amount;
  }
  return { count, amount };
}
function expectAmounts(actual: Record<string, number>, want: Record<string, number>) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect(actual[k]).toBeCloseTo(want[k]!, 6);
}

test('refund counts by currency/reason and amounts by currency, across two cycles', async () => {
  const config = testConfig();
  const collector = build(refunds, config);
  const first: R[] = [
    { amount: 10, currency: 'USD', reason: 'damaged', at: -5 * 86_400 },
    { amount: 2.5, currency: 'USD', reason: 'damaged', at: -60 }, // partial refund, counted on its own
    { amount: 30, currency: 'EUR', reason: 'customer was grumpy', at: -3600 }, // free text -> other
    { amount: 7, currency: 'CHF', reason: 'fraud', at: -10 }, // unknown currency -> other
    { amount: 99, currency: 'USD', reason: 'fraud', at: 3600 }, // future: not yet
  ];
  await insert(first);
  const s1 = await collectOnce(collector, tdb.pool, config);
  const e1 = expected(first);
  expect(seriesOf(s1, M.refundsTotal.name)).toEqual(e1.count);
  expectAmounts(seriesOf(s1, M.refundedAmountTotal.name), e1.amount); // USD 12.5, EUR 30, other 7

  const second: R[] = [
    { amount: 5, currency: 'GBP', reason: 'late_delivery', at: 0 },
    { amount: 1, currency: 'USD', reason: 'damaged', at: 0 },
  ];
  await insert(second);
  const s2 = await collectOnce(collector, tdb.pool, config);
  const e2 = expected([...first, ...second]);
  expect(seriesOf(s2, M.refundsTotal.name)).toEqual(e2.count);
  expectAmounts(seriesOf(s2, M.refundedAmountTotal.name), e2.amount);
  expect(seriesOf(s2, M.refundedAmountTotal.name)['currency=USD']).toBeCloseTo(13.5, 6);
});
