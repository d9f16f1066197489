/**
 * Management seller lists (monthly PDF section, daily and weekly summaries) against lists computed
 * here from the fixture rows.
 */
import { readSellers, reportsPool, DEFAULT_SELLER_THRESHOLDS } from '../../../reports/sellers/data';
import { fetchSellerLists, sellerListsHtml, sellerListsText, type SellerLists } from '../../../reports/sellers/management';
import { dailyPeriod, monthlyPeriod, weeklyPeriod, type Period } from '../../../reports/periods';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { buildFixture, loadFixture, readOnlyRole } from './fixture';
import type pg from 'pg';

const f = buildFixture(21);
let db: TestDatabase;
let ro: Awaited<ReturnType<typeof readOnlyRole>>;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('pulse_seller_lists');
  await loadFixture(db.pool, f);
  ro = await readOnlyRole(db.pool, db.name, db.url);
  pool = reportsPool({ url: ro.url, timeout: 60, application_name: 'pulse-test' });
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await ro?.drop();
  await db?.drop();
});

const lists = (p: Period) => readSellers(pool, 60, (q) => fetchSellerLists(q, p, DEFAULT_SELLER_THRESHOLDS, 'EUR'));
const ids = (l: SellerLists, titleStart: string) => {
  const list = l.lists.find((x) => x.title.startsWith(titleStart));
  if (!list) throw new Error(`no list "${titleStart}" in ${l.lists.map((x) => x.title).join(', ')}`);
  return list.lines.map((x) => x.sellerId);
};
const inSpan = (t: Date | null, s: { start: Date; end: Date }) => t !== null && t >= s.start && t < s.end;
const live = (id: number, at: Date) => {
  const s = f.sellers.find((x) => x.id === id)!;
  return s.approved_at !== null && s.approved_at < at && (s.churned_at === null || s.churned_at >= at);
};
const ordersIn = (id: number, s: { start: Date; end: Date }) => f.orders.filter((o) => o.seller_id === id && inSpan(o.created_at, s));
const byCountDesc = (m: Map<number, number>) => [...m].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);

test('monthly: top GMV, growth, worst refund/return rates with the volume guard, dormant and low-credit sellers', async () => {
  const p = monthlyPeriod('2026-10', 'UTC');
  const l = await lists(p);
  const gmv = new Map<number, number>();
  for (const o of f.orders)
    if (o.currency === 'EUR' && inSpan(o.created_at, p)) gmv.set(o.seller_id, (gmv.get(o.seller_id) ?? 0) + o.total_amount);
  expect(ids(l, 'Top 10 by GMV')).toEqual(byCountDesc(gmv).slice(0, 10));

  const sellerIds = [...new Set(f.orders.map((o) => o.seller_id))];
  const growth = new Map<number, number>();
  for (const id of sellerIds) {
    const now = ordersIn(id, p).length;
    const before = ordersIn(id, p.previous).length;
    if (now >= 20 && before >= 20) growth.set(id, now / before - 1);
  }
  expect(growth.size).toBeGreaterThan(0);
  expect(ids(l, 'Top 10 by growth')).toEqual(byCountDesc(growth).slice(0, 10));

  const paymentOrder = new Map(f.payments.map((x) => [x.id, f.orders.find((o) => o.id === x.order_id)!]));
  for (const [title, events] of [
    ['Bottom 10 by refund', f.refunds.filter((r) => inSpan(r.created_at, p)).map((r) => paymentOrder.get(r.payment_id)!.seller_id)],
    [
      'Bottom 10 by return',
      f.returns.filter((r) => inSpan(r.created_at, p)).map((r) => f.orders.find((o) => o.id === r.order_id)!.seller_id),
    ],
  ] as const) {
    const rate = new Map<number, number>();
    for (const id of sellerIds) {
      const n = ordersIn(id, p).length;
      if (n >= 20) rate.set(id, events.filter((s) => s === id).length / n);
    }
    expect(ids(l, title)).toEqual(byCountDesc(rate).slice(0, 10));
  }
  // Seller 2 has one order in the 90 days but none in October: not dormant; seller 3 never sold.
  expect(ids(l, 'Dormant sellers')).toEqual(
    f.sellers
      .filter(
        (s) =>
          live(s.id, p.end) &&
          f.orders.every(
            (o) => o.seller_id !== s.id || o.created_at < new Date(p.end.getTime() - 90 * 86_400_000) || o.created_at >= p.end,
          ),
      )
      .map((s) => s.id),
  );
  expect(ids(l, 'Sellers below 10.0 %')).toEqual([2, 10]);
});

test("daily: applications, approvals, the day's top sellers and low credit, named by id", async () => {
  const jan = await lists(dailyPeriod('2026-01-01', 'UTC'));
  expect(ids(jan, 'New seller applications')).toEqual(f.sellers.map((s) => s.id).sort((a, b) => a - b));
  expect(ids(jan, 'Sellers approved')).toEqual(
    f.sellers.filter((s) => s.approved_at?.toISOString() === '2026-01-01T00:00:00.000Z').map((s) => s.id),
  );
  expect(ids(jan, 'Top sellers of the day')).toEqual([]);

  const p = dailyPeriod('2026-10-05', 'UTC');
  const day = await lists(p);
  const counts = new Map<number, number>();
  for (const o of f.orders) if (inSpan(o.created_at, p)) counts.set(o.seller_id, (counts.get(o.seller_id) ?? 0) + 1);
  expect(counts.size).toBeGreaterThan(0);
  expect(ids(day, 'Top sellers of the day')).toEqual(byCountDesc(counts).slice(0, 5));
  expect(ids(day, 'Sellers below')).toEqual([2, 10]);
  const text = sellerListsText(day).join('\n');
  expect(text).toContain(
    'Sellers below 10.0 % of their credits:\n  - seller 2: 2.0 % left (1.00 of 50.00)\n  - seller 10: 1.7 % left (0.50 of 30.00)',
  );
  expect(sellerListsHtml(day)).toContain('<li>seller 2: 2.0 % left (1.00 of 50.00)</li>');
});

test('weekly: top performers and the sellers that became inactive during the week', async () => {
  const p = weeklyPeriod('2026-W47', 'UTC'); // 16–22 Nov: seller 2's last order (20 Aug) turns 90 days old
  const l = await lists(p);
  const counts = new Map<number, number>();
  for (const o of f.orders) if (inSpan(o.created_at, p)) counts.set(o.seller_id, (counts.get(o.seller_id) ?? 0) + 1);
  expect(ids(l, 'Top performers')).toEqual(byCountDesc(counts).slice(0, 10));
  const day = 86_400_000;
  const became = f.sellers
    .filter((s) => live(s.id, p.end))
    .filter((s) => {
      const last = Math.max(...f.orders.filter((o) => o.seller_id === s.id && o.created_at < p.end).map((o) => o.created_at.getTime()));
      return last >= p.start.getTime() - 90 * day && last < p.end.getTime() - 90 * day;
    })
    .map((s) => s.id);
  expect(became).toContain(2);
  expect(ids(l, 'Sellers that became inactive')).toEqual(became);
});
