import { M } from '../../../shared/catalogue';
import { revenue } from '../../../exporter/src/collectors/revenue';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) SELECT g, now() - interval '100 days' FROM generate_series(1, 5) g;
    INSERT INTO sellers (id, applied_at, approved_at) VALUES (1, now() - interval '100 days', now() - interval '90 days');`);
});
afterAll(() => tdb.drop());

const day = 86_400;
const WINDOWS = { '1d': day, '7d': 7 * day, '30d': 30 * day };
const CURRENCIES = ['USD', 'EUR', 'GBP'];

/** Session starts per user (null = anonymous visitor); seconds from now(). */
const SESSIONS: [user: number | null, at: number][] = [
  [1, -600],
  [2, -600],
  [null, -600], // anonymous: not an active user
  [3, -2 * day],
  [4, -(30 * day + 60)], // just outside 30 d
  [5, 3600], // future
];
const ORDERS: [user: number, at: number, amount: number, currency: string][] = [
  [1, -3600, 100, 'USD'],
  [1, -40 * day, 10, 'USD'], // before every window: makes user 1 a repeat buyer everywhere
  [2, -600, 50, 'EUR'],
  [2, -2 * day, 20.5, 'EUR'], // before the 1d window: user 2 repeats in 1d only
  [3, -(day + 60), 30, 'USD'], // just outside 1 d
  [4, -600, 5, 'JPY'], // folds to other; user 4 buys without a session in the window
  [3, 3600, 999, 'USD'], // future
];
const SUBSCRIPTIONS: [amount: number, currency: string, started: number, cancelled: number | null][] = [
  [10, 'USD', -30 * day, null],
  [5.5, 'USD', -10 * day, 5 * day], // cancellation in the future: still active
  [20, 'EUR', -10 * day, -day], // cancelled
  [7, 'GBP', day, null], // starts tomorrow
  [3, 'CHF', -day, null], // other
];

beforeAll(async () => {
  for (const [user, at] of SESSIONS) {
    await tdb.pool.query(
      `INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at) VALUES ($1::bigint, 'v' || coalesce($1::bigint::text, 'anon'), 'web', 'direct', now() + make_interval(secs => $2))`,
      [user, at],
    );
  }
  for (const [user, at, amount, currency] of ORDERS) {
    await tdb.pool.query(
      `INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency) VALUES ($1, 1, 'books', now() + make_interval(secs => $2), 'paid', $3, $4)`,
      [user, at, amount, currency],
    );
  }
  for (const [amount, currency, started, cancelled] of SUBSCRIPTIONS) {
    await tdb.pool.query(
      `INSERT INTO subscriptions (seller_id, plan, amount_monthly, currency, started_at, cancelled_at)
       VALUES (1, 'pro', $1, $2, now() + make_interval(secs => $3), now() + make_interval(secs => $4))`,
      [amount, currency, started, cancelled],
    );
  }
});

const cur = (c: string) => (CURRENCIES.includes(c) ? c : 'other');
function expected() {
  const arpu: Record<string, number> = {};
  const repeat: Record<string, number> = {};
  for (const [w, secs] of Object.entries(WINDOWS)) {
    const inW = (at: number) => at > -secs && at <= 0;
    const active = new Set(SESSIONS.filter(([u, at]) => u !== null && inW(at)).map(([u]) => u)).size;
    const gmv: Record<string, number> = Object.fromEntries(CURRENCIES.map((c) => [c, 0]));
    for (const [, at, amount, c] of ORDERS) if (inW(at)) gmv[cur(c)] = (gmv[cur(c)] ?? 0) + amount;
    for (const [c, sum] of Object.entries(gmv)) arpu[`currency=${c},window=${w}`] = active > 0 ? sum / active : 0;
    const buyers = new Set(ORDERS.filter(([, at]) => inW(at)).map(([u]) => u));
    const repeaters = [...buyers].filter((u) => ORDERS.some(([v, at]) => v === u && at <= -secs));
    repeat[`window=${w}`] = buyers.size ? repeaters.length / buyers.size : 0;
  }
  const mrr: Record<string, number> = Object.fromEntries(CURRENCIES.map((c) => [`currency=${c}`, 0]));
  for (const [amount, c, started, cancelled] of SUBSCRIPTIONS) {
    if (started <= 0 && (cancelled === null || cancelled > 0)) mrr[`currency=${cur(c)}`] = (mrr[`currency=${cur(c)}`] ?? 0) + amount;
  }
  return { arpu, repeat, mrr };
}
function expectClose(actual: Record<string, number>, want: Record<string, number>) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect(actual[k]).toBeCloseTo(want[k]!, 9);
}

test('ARPU, repeat-purchase ratio and MRR equal the fixture', async () => {
  const config = testConfig();
  const s = await collectOnce(build(revenue, config), tdb.pool, config);
  const e = expected();
  expectClose(seriesOf(s, M.arpu.name), e.arpu);
  // By hand, 1d: active users {1, 2}; USD 100 / 2 = 50, EUR 50 / 2 = 25, other 5 / 2 = 2.5, GBP 0.
  expect(e.arpu['currency=USD,window=1d']).toBe(50);
  expect(e.arpu['currency=other,window=1d']).toBe(2.5);
  expectClose(seriesOf(s, M.repeatPurchaseRatio.name), e.repeat);
  // By hand: 1d buyers {1, 2, 4}, repeat {1, 2} -> 2/3; 7d buyers {1, 2, 3, 4}, repeat {1} -> 1/4.
  expect(e.repeat['window=1d']).toBeCloseTo(2 / 3, 12);
  expect(e.repeat['window=7d']).toBeCloseTo(1 / 4, 12);
  expectClose(seriesOf(s, M.recurringRevenue.name), e.mrr);
  expect(e.mrr).toEqual({ 'currency=USD': 15.5, 'currency=EUR': 0, 'currency=GBP': 0, 'currency=other': 3 });
});

test('nothing in the windows: every window and currency present at 0', async () => {
  await tdb.pool.query('DELETE FROM orders; DELETE FROM sessions; DELETE FROM subscriptions;');
  const config = testConfig();
  const s = await collectOnce(build(revenue, config), tdb.pool, config);
  const zeros = Object.fromEntries(Object.keys(WINDOWS).flatMap((w) => CURRENCIES.map((c) => [`currency=${c},window=${w}`, 0])));
  expect(seriesOf(s, M.arpu.name)).toEqual(zeros);
  expect(seriesOf(s, M.repeatPurchaseRatio.name)).toEqual({ 'window=1d': 0, 'window=7d': 0, 'window=30d': 0 });
  expect(seriesOf(s, M.recurringRevenue.name)).toEqual({ 'currency=USD': 0, 'currency=EUR': 0, 'currency=GBP': 0 });
});
