import { M } from '../../../shared/catalogue';
import { orders } from '../../../exporter/src/collectors/orders';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, histogramOf, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '40 days'), (2, now() - interval '40 days');
    INSERT INTO sellers (id, applied_at, approved_at) VALUES (1, now() - interval '90 days', now() - interval '80 days');
    INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency) VALUES
      (1, 1, 'electronics', now() - interval '1 day', 'paid', 600.00, 'USD'),
      (1, 1, 'books',       now() - interval '2 days', 'paid', 20.50, 'USD'),
      (2, 1, 'lawnmowers',  now() - interval '3 days', 'cancelled', 99.99, 'EUR'),
      (2, 1, 'fashion',     now() - interval '3 days', 'paid', 500.00, 'EUR'),
      (2, 1, 'fashion',     now() - interval '3 days', 'paid', 10.00, 'JPY');
  `);
});
afterAll(() => tdb.drop());

test('orders, GMV, high-value and category counts equal hand-computed fixture values', async () => {
  const config = testConfig();
  const s = await collectOnce(build(orders, config), tdb.pool, config);
  expect(valueOf(s, M.ordersTotal.name, { currency: 'USD' })).toBe(2);
  expect(valueOf(s, M.ordersTotal.name, { currency: 'EUR' })).toBe(2);
  expect(valueOf(s, M.ordersTotal.name, { currency: 'other' })).toBe(1); // JPY not allow-listed
  expect(valueOf(s, M.gmvTotal.name, { currency: 'USD' })).toBeCloseTo(620.5, 6);
  expect(valueOf(s, M.gmvTotal.name, { currency: 'EUR' })).toBeCloseTo(599.99, 6);
  expect(valueOf(s, M.highValueOrdersTotal.name, { currency: 'USD' })).toBe(1);
  expect(valueOf(s, M.highValueOrdersTotal.name, { currency: 'EUR' })).toBe(1); // 500.00 is >= 500
  expect(valueOf(s, M.ordersByCategoryTotal.name, { category: 'fashion' })).toBe(2);
  expect(valueOf(s, M.ordersByCategoryTotal.name, { category: 'other' })).toBe(1);
  const h = histogramOf(s, M.orderValue.name, { currency: 'USD' })!;
  expect(h.count).toBe(2);
  expect(h.buckets[M.orderValue.buckets!.indexOf(25)]).toBe(1);
  expect(h.buckets[M.orderValue.buckets!.indexOf(1000)]).toBe(2);
});
