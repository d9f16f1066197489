/**
 * The demo's payment providers: fakes fed from a simulated marketplace (real PostgreSQL), polled by
 * the real Stripe, PayPal and reconciliation collectors. Provider counters equal the database's
 * except for the planted mismatches, which reconciliation reports exactly; new and changed payments
 * reach the providers with the next feed, once.
 */
import { M } from '../../../shared/catalogue';
import { parseConfig, type Config } from '../../../exporter/src/config/load';
import { createStripeCollector } from '../../../exporter/src/collectors/stripe';
import { createPayPalCollector } from '../../../exporter/src/collectors/paypal';
import { createReconciliationCollector } from '../../../exporter/src/collectors/reconciliation';
import type { Collector } from '../../../exporter/src/collectors/types';
import { startPaymentFakes, type PaymentFakes } from '../../../exporter/src/demo/payment-fakes';
import { seedHistory } from '../../../exporter/src/demo/simulator';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger } from '../../../exporter/src/runtime/logger';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { seriesOf } from '../../support/collect';
import { exportedCounters, runCollector } from './support';

type Provider = 'stripe' | 'paypal';
const PROVIDERS: Provider[] = ['stripe', 'paypal'];
let tdb: TestDatabase;
let fakes: PaymentFakes;
let config: Config;
let pollers: Record<Provider, Collector>;

/** Deep merge of plain objects (b wins), for test overrides on top of the demo's config patch. */
function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object'
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** What the provider should report, from the database: every status a payment reached, minus/plus the planted mismatches. */
async function expectedFromDatabase(provider: Provider) {
  const { rows } = await tdb.pool.query(
    `SELECT provider_ref, currency, amount::float8 AS amount, succeeded_at IS NOT NULL AS s, failed_at IS NOT NULL AS f, refunded_at IS NOT NULL AS r, disputed_at IS NOT NULL AS d
       FROM payments WHERE provider = $1 AND provider_ref IS NOT NULL`,
    [provider],
  );
  const planted = new Map(
    fakes
      .planted()
      .filter((p) => p.provider === provider)
      .map((p) => [p.ref, p.kind]),
  );
  const payments: Record<string, number> = { succeeded: 0, failed: 0, refunded: 0, disputed: 0 };
  const refundedAmounts: Record<string, number> = {};
  for (const r of rows) {
    const kind = planted.get(r.provider_ref);
    if (kind === 'missing_at_provider') continue;
    if (kind === 'status_differs') {
      payments.failed! += 1; // the provider declined what the marketplace recorded as paid
      continue;
    }
    if (r.s) payments.succeeded! += 1;
    if (r.f) payments.failed! += 1;
    if (r.r) {
      payments.refunded! += 1;
      const k = `${String(r.currency).trim()}|refunded`;
      refundedAmounts[k] = Math.round(((refundedAmounts[k] ?? 0) + r.amount) * 100) / 100;
    }
    if (r.d) payments.disputed! += 1;
  }
  payments.succeeded! += 1; // missing_in_db: a payment only the provider knows
  for (const k of Object.keys(payments)) if (payments[k] === 0) delete payments[k];
  return { payments, refundedAmounts };
}

async function poll(provider: Provider) {
  const s = await runCollector(pollers[provider], config);
  const c = exportedCounters(s, provider);
  const refundedAmounts = Object.fromEntries(Object.entries(c.amounts).filter(([k]) => k.endsWith('|refunded')));
  return { payments: c.payments, refundedAmounts };
}

/** The pollers close windows one second behind the clock: wait until `unixSeconds` is closable. */
async function untilPast(unixSeconds: number): Promise<void> {
  while (Math.floor(Date.now() / 1000) - 1 < unixSeconds) await new Promise((r) => setTimeout(r, 100));
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  await seedHistory(tdb.pool, { seed: 7, days: 8, sessionsPerDay: 2000, end: new Date(Date.now() - 5_000) });
  // The history ends now, so whether it holds a refund at each provider depends on the time of day: make
  // sure it does by refunding each provider's oldest plain succeeded payment (with its refunds row).
  await tdb.pool.query(`
    WITH pick AS (
      SELECT DISTINCT ON (provider) id FROM payments p
       WHERE status = 'succeeded' AND refunded_at IS NULL AND disputed_at IS NULL AND provider_ref IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM payments q WHERE q.provider = p.provider AND q.refunded_at IS NOT NULL)
       ORDER BY provider, succeeded_at),
    upd AS (
      UPDATE payments SET status = 'refunded', refunded_at = succeeded_at + interval '10 minutes', updated_at = succeeded_at + interval '10 minutes'
       WHERE id IN (SELECT id FROM pick) RETURNING id, amount, currency, refunded_at)
    INSERT INTO refunds (payment_id, amount, currency, reason, created_at) SELECT id, amount, currency, 'requested_by_customer', refunded_at FROM upd`);
  // Two payments still pending at the providers when the demo starts; they settle later in the test.
  await tdb.pool.query(`
    INSERT INTO payments (order_id, provider, provider_ref, status, amount, currency, created_at, updated_at)
    SELECT (SELECT min(id) FROM orders), p, 'pending-' || p, 'pending', 25.50, 'EUR', now() - interval '3 seconds', now() - interval '3 seconds'
      FROM unnest(ARRAY['stripe', 'paypal']) p`);
  fakes = await startPaymentFakes(tdb.pool, createLogger('silent'));
  const overrides = {
    payment_providers: { stripe: { settle_lag: 0 }, paypal: { settle_lag: 0 } },
    collection: { settle_lag: 0 },
  };
  config = parseConfig(merge(fakes.config, overrides), { env: fakes.env });
  pollers = { stripe: createStripeCollector(config, { env: fakes.env }), paypal: createPayPalCollector(config, { env: fakes.env }) };
}, 60_000);
afterAll(async () => {
  await fakes?.stop();
  await tdb?.drop();
});

test('the demo config enables both pollers and reconciliation against the local fakes', () => {
  expect(config.payment_providers.stripe).toMatchObject({ enabled: true, base_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
  expect(config.payment_providers.paypal).toMatchObject({ enabled: true, base_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
  expect(config.collectors.reconciliation?.enabled).toBe(true);
  // Demo credentials never take the names real ones use.
  expect(Object.keys(fakes.env).sort()).toEqual(['DEMO_PAYPAL_CLIENT_ID', 'DEMO_PAYPAL_CLIENT_SECRET', 'DEMO_STRIPE_API_KEY']);
});

test('provider counters equal the database outside the planted mismatches; reconciliation reports exactly those', async () => {
  expect(fakes.planted()).toHaveLength(8);
  for (const provider of PROVIDERS) {
    const expected = await expectedFromDatabase(provider);
    expect(expected.payments.succeeded).toBeGreaterThan(20);
    expect(expected.payments.refunded ?? 0).toBeGreaterThan(0);
    expect([provider, await poll(provider)]).toEqual([provider, expected]);
  }
  const reconciliation = createReconciliationCollector(config, { env: fakes.env });
  const ctrl = new AbortController();
  const ctx = { config, log: createLogger('silent'), signal: ctrl.signal };
  await reconciliation.prefetch!(ctx);
  const samples = await withReadOnly(tdb.pool, 30, ctrl.signal, (db) => reconciliation.collect({ ...ctx, db }));
  const series = seriesOf(samples, M.paymentReconciliationMismatches.name);
  const expected: Record<string, number> = {};
  for (const provider of PROVIDERS)
    for (const kind of ['missing_in_db', 'missing_at_provider', 'status_differs', 'amount_differs'])
      expected[`kind=${kind},provider=${provider}`] = 1;
  expect(series).toEqual(expected);
});

test('new and changed payments reach the providers with the next feed, once', async () => {
  const before = { stripe: await poll('stripe'), paypal: await poll('paypal') };
  const planted = fakes.planted().map((p) => p.ref);
  const { rows } = await tdb.pool.query<{ t: number }>(
    `WITH settled AS (
       UPDATE payments SET status = 'succeeded', succeeded_at = now(), updated_at = now() WHERE provider_ref LIKE 'pending-%' RETURNING 1),
     refunded AS (
       UPDATE payments SET status = 'refunded', refunded_at = now(), updated_at = now()
        WHERE id IN (SELECT DISTINCT ON (provider) id FROM payments
                      WHERE status = 'succeeded' AND provider_ref <> ALL($1::text[]) AND provider_ref NOT LIKE 'pending-%'
                      ORDER BY provider, id) RETURNING 1),
     added AS (
       INSERT INTO payments (order_id, provider, provider_ref, status, amount, currency, created_at, updated_at, succeeded_at)
       SELECT (SELECT min(id) FROM orders), p, 'new-' || p, 'succeeded', 42.00, 'USD', now(), now(), now()
         FROM unnest(ARRAY['stripe', 'paypal']) p RETURNING 1)
     SELECT extract(epoch FROM now())::float8 AS t, (SELECT count(*) FROM settled) + (SELECT count(*) FROM refunded) + (SELECT count(*) FROM added) AS n`,
    [planted],
  );
  await fakes.feed();
  await untilPast(Math.floor(rows[0]!.t));
  for (const provider of PROVIDERS) {
    const after = await poll(provider);
    expect([provider, after]).toEqual([provider, await expectedFromDatabase(provider)]);
    // Settled pending + new payment, and one refund.
    expect(after.payments.succeeded).toBe(before[provider].payments.succeeded! + 2);
    expect(after.payments.refunded).toBe((before[provider].payments.refunded ?? 0) + 1);
  }
  // Feeding the same rows again (the overlap) changes nothing at the providers.
  await fakes.feed();
  await untilPast(Math.floor(Date.now() / 1000));
  for (const provider of PROVIDERS) expect([provider, await poll(provider)]).toEqual([provider, await expectedFromDatabase(provider)]);
});
