import { M, PAYMENT_STATUSES } from '../../../shared/catalogue';
import { paymentsDb } from '../../../exporter/src/collectors/payments-db';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesKey, seriesOf, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '40 days');
    INSERT INTO sellers (id, applied_at, approved_at) VALUES (1, now() - interval '90 days', now() - interval '80 days');
    INSERT INTO orders (id, user_id, seller_id, category, created_at, status, total_amount, currency)
      VALUES (1, 1, 1, 'books', now() - interval '30 days', 'paid', 10, 'USD');`);
});
beforeEach(() => tdb.pool.query('DELETE FROM payments'));
afterAll(() => tdb.drop());

/** Status timestamps as seconds relative to now() (negative = past), null = status never entered. */
interface P {
  provider: string;
  currency: string;
  amount: number;
  failure_code: string | null;
  succeeded: number | null;
  failed: number | null;
  refunded: number | null;
  disputed: number | null;
}

async function insert(ps: P[]) {
  for (const p of ps) {
    const status =
      p.disputed !== null
        ? 'disputed'
        : p.refunded !== null
          ? 'refunded'
          : p.failed !== null
            ? 'failed'
            : p.succeeded !== null
              ? 'succeeded'
              : 'pending';
    const at = (o: number | null) => (o === null ? null : o);
    await tdb.pool.query(
      `INSERT INTO payments (order_id, provider, status, failure_code, amount, currency, created_at, updated_at,
                             succeeded_at, failed_at, refunded_at, disputed_at)
       VALUES (1, $1, $2, $3, $4, $5, now() - interval '40 days', now(),
               now() + make_interval(secs => $6), now() + make_interval(secs => $7),
               now() + make_interval(secs => $8), now() + make_interval(secs => $9))`,
      [p.provider, status, p.failure_code, p.amount, p.currency, at(p.succeeded), at(p.failed), at(p.refunded), at(p.disputed)],
    );
  }
}

const PROVIDERS = new Set(['stripe', 'paypal']);
const CURRENCIES = new Set(['USD', 'EUR', 'GBP']);
const CODES = new Set([
  'card_declined',
  'insufficient_funds',
  'expired_card',
  'incorrect_cvc',
  'processing_error',
  'fraudulent',
  'authentication_required',
]);
const f = (v: string | null, set: Set<string>) => (v !== null && set.has(v) ? v : 'other');

/** Independent expectation: every status timestamp at or before `cutoff` seconds is one event. */
function expected(ps: P[], cutoff = 0) {
  const count: Record<string, number> = {};
  const amount: Record<string, number> = {};
  const failures: Record<string, number> = {};
  const inc = (m: Record<string, number>, l: Record<string, string>, v: number) => (m[seriesKey(l)] = (m[seriesKey(l)] ?? 0) + v);
  for (const p of ps) {
    const provider = f(p.provider, PROVIDERS);
    for (const status of PAYMENT_STATUSES) {
      const t = p[status];
      if (t === null || t > cutoff) continue;
      inc(count, { provider, status, source: 'db' }, 1);
      inc(amount, { provider, currency: f(p.currency, CURRENCIES), status, source: 'db' }, p.amount);
      if (status === 'failed') inc(failures, { provider, reason: f(p.failure_code, CODES), source: 'db' }, 1);
    }
  }
  // Zero series for known providers and statuses exist from the first cycle.
  for (const provider of PROVIDERS) for (const status of PAYMENT_STATUSES) inc(count, { provider, status, source: 'db' }, 0);
  // And for every allow-listed failure reason, plus other.
  for (const provider of PROVIDERS) for (const reason of [...CODES, 'other']) inc(failures, { provider, reason, source: 'db' }, 0);
  return { count, amount, failures };
}

const day = 86_400;
const FIXTURE: P[] = [
  {
    provider: 'stripe',
    currency: 'USD',
    amount: 10.5,
    failure_code: null,
    succeeded: -3 * day,
    failed: null,
    refunded: null,
    disputed: null,
  },
  {
    provider: 'stripe',
    currency: 'USD',
    amount: 20,
    failure_code: null,
    succeeded: -2 * day,
    failed: null,
    refunded: -day,
    disputed: null,
  },
  {
    provider: 'stripe',
    currency: 'EUR',
    amount: 7.25,
    failure_code: 'card_declined',
    succeeded: null,
    failed: -3600,
    refunded: null,
    disputed: null,
  },
  {
    provider: 'stripe',
    currency: 'EUR',
    amount: 1,
    failure_code: 'do_not_honor',
    succeeded: null,
    failed: -60,
    refunded: null,
    disputed: null,
  }, // unknown code
  { provider: 'paypal', currency: 'GBP', amount: 99.99, failure_code: null, succeeded: null, failed: -60, refunded: null, disputed: null }, // NULL code
  {
    provider: 'paypal',
    currency: 'JPY',
    amount: 1000,
    failure_code: null,
    succeeded: -10 * day,
    failed: null,
    refunded: null,
    disputed: -5 * day,
  },
  { provider: 'adyen', currency: 'USD', amount: 5, failure_code: null, succeeded: -60, failed: null, refunded: null, disputed: null }, // unknown provider
  { provider: 'stripe', currency: 'USD', amount: 300, failure_code: null, succeeded: null, failed: null, refunded: null, disputed: null }, // pending
  { provider: 'stripe', currency: 'USD', amount: 40, failure_code: null, succeeded: 3600, failed: null, refunded: null, disputed: null }, // future: not a fact yet
];

test('one collection equals the fixture counted once per status entered, with folding', async () => {
  await insert(FIXTURE);
  const config = testConfig();
  const s = await collectOnce(build(paymentsDb, config), tdb.pool, config);
  const e = expected(FIXTURE);
  expect(seriesOf(s, M.paymentsTotal.name)).toEqual(e.count);
  expect(seriesOf(s, M.paymentFailuresTotal.name)).toEqual(e.failures);
  const amounts = seriesOf(s, M.paymentAmountTotal.name);
  expect(Object.keys(amounts).sort()).toEqual(Object.keys(e.amount).sort());
  for (const k of Object.keys(e.amount)) expect(amounts[k]).toBeCloseTo(e.amount[k]!, 6);
  // Spot checks by hand: stripe succeeded = 10.5 + 20 (USD); other provider = adyen; failures other = do_not_honor + NULL.
  expect(valueOf(s, M.paymentAmountTotal.name, { provider: 'stripe', currency: 'USD', status: 'succeeded', source: 'db' })).toBeCloseTo(
    30.5,
    6,
  );
  expect(valueOf(s, M.paymentsTotal.name, { provider: 'other', status: 'succeeded', source: 'db' })).toBe(1);
  expect(valueOf(s, M.paymentFailuresTotal.name, { provider: 'stripe', reason: 'other', source: 'db' })).toBe(1);
  expect(valueOf(s, M.paymentFailuresTotal.name, { provider: 'paypal', reason: 'other', source: 'db' })).toBe(1);
  expect(valueOf(s, M.paymentsTotal.name, { provider: 'paypal', status: 'disputed', source: 'db' })).toBe(1);
});

test('pending -> succeeded -> refunded across three cycles is counted once per status', async () => {
  const config = testConfig();
  const collector = build(paymentsDb, config);
  const { rows } = await tdb.pool.query(
    `INSERT INTO payments (order_id, provider, status, amount, currency, created_at, updated_at)
     VALUES (1, 'stripe', 'pending', 42.00, 'EUR', now(), now()) RETURNING id`,
  );
  const id = rows[0].id;
  const L = (status: string) => ({ provider: 'stripe', status, source: 'db' });

  const s1 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s1, M.paymentsTotal.name, L('succeeded'))).toBe(0);
  expect(valueOf(s1, M.paymentsTotal.name, L('refunded'))).toBe(0);

  await tdb.pool.query(`UPDATE payments SET status = 'succeeded', succeeded_at = now(), updated_at = now() WHERE id = $1`, [id]);
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s2, M.paymentsTotal.name, L('succeeded'))).toBe(1);
  expect(valueOf(s2, M.paymentsTotal.name, L('refunded'))).toBe(0);
  expect(valueOf(s2, M.paymentAmountTotal.name, { ...L('succeeded'), currency: 'EUR' })).toBe(42);

  await tdb.pool.query(`UPDATE payments SET status = 'refunded', refunded_at = now(), updated_at = now() WHERE id = $1`, [id]);
  const s3 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s3, M.paymentsTotal.name, L('succeeded'))).toBe(1);
  expect(valueOf(s3, M.paymentsTotal.name, L('refunded'))).toBe(1);
  expect(valueOf(s3, M.paymentAmountTotal.name, { ...L('refunded'), currency: 'EUR' })).toBe(42);

  const s4 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s4, M.paymentsTotal.name)).toEqual(seriesOf(s3, M.paymentsTotal.name));
  expect(seriesOf(s4, M.paymentAmountTotal.name)).toEqual(seriesOf(s3, M.paymentAmountTotal.name));
});

test('rows inserted between cycles are added exactly once', async () => {
  const config = testConfig();
  const collector = build(paymentsDb, config);
  const first = FIXTURE.slice(0, 4);
  await insert(first);
  const s1 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s1, M.paymentsTotal.name)).toEqual(expected(first).count);

  // Entered their status "now", i.e. after the first horizon.
  const second: P[] = [
    { provider: 'stripe', currency: 'USD', amount: 1, failure_code: null, succeeded: 0, failed: null, refunded: null, disputed: null },
    {
      provider: 'paypal',
      currency: 'EUR',
      amount: 2,
      failure_code: 'expired_card',
      succeeded: null,
      failed: 0,
      refunded: null,
      disputed: null,
    },
  ];
  await insert(second);
  const s2 = await collectOnce(collector, tdb.pool, config);
  const e = expected([...first, ...second]);
  expect(seriesOf(s2, M.paymentsTotal.name)).toEqual(e.count);
  expect(seriesOf(s2, M.paymentFailuresTotal.name)).toEqual(e.failures);

  const s3 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s3, M.paymentsTotal.name)).toEqual(e.count);
});

test('a late commit within settle_lag is not counted until settled, then exactly once', async () => {
  // settle_lag 3s, event time 1.5s before the commit: the row lands behind "now" but ahead of the horizon.
  const config = testConfig({ collection: { settle_lag: '3s' } });
  const collector = build(paymentsDb, config);
  const L = { provider: 'paypal', status: 'succeeded', source: 'db' };
  const s1 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s1, M.paymentsTotal.name, L)).toBe(0);

  const { rows } = await tdb.pool.query(
    `INSERT INTO payments (order_id, provider, status, amount, currency, created_at, updated_at, succeeded_at)
     VALUES (1, 'paypal', 'succeeded', 8, 'USD', now() - interval '1.5 s', now(), now() - interval '1.5 s') RETURNING succeeded_at`,
  );
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s2, M.paymentsTotal.name, L)).toBe(0);

  // Wait (on the database clock) until the row is older than settle_lag; no assertion depends on how long it took.
  for (;;) {
    const { rows: r } = await tdb.pool.query(`SELECT now() - interval '3 s' >= $1::timestamptz AS settled`, [rows[0].succeeded_at]);
    if (r[0].settled) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const s3 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s3, M.paymentsTotal.name, L)).toBe(1);
  const s4 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s4, M.paymentsTotal.name, L)).toBe(1);
  expect(valueOf(s4, M.paymentAmountTotal.name, { ...L, currency: 'USD' })).toBe(8);
});
