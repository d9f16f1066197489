/** Reconciliation against real PostgreSQL and the fakes: every planted mismatch found, none on clean data. */
import { M } from '../../../shared/catalogue';
import { parseConfig, type Config } from '../../../exporter/src/config/load';
import { createReconciliationCollector } from '../../../exporter/src/collectors/reconciliation';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger } from '../../../exporter/src/runtime/logger';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { StripeFake } from '../../../exporter/src/demo/fakes/stripe-fake';
import { PayPalFake } from '../../../exporter/src/demo/fakes/paypal-fake';
import { feedFakeFromDatabase } from '../../../exporter/src/demo/fakes/from-database';
import { seriesOf } from '../../support/collect';

let tdb: TestDatabase;
const fakes: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '40 days');
    INSERT INTO sellers (id, applied_at, approved_at) VALUES (1, now() - interval '90 days', now() - interval '80 days');
    INSERT INTO orders (id, user_id, seller_id, category, created_at, status, total_amount, currency)
      SELECT g, 1, 1, 'books', now() - g * interval '10 minutes', 'paid', 10 + g, 'USD' FROM generate_series(1, 60) g;
    INSERT INTO payments (order_id, provider, provider_ref, status, failure_code, amount, currency, created_at, updated_at, succeeded_at, failed_at, refunded_at, disputed_at)
      SELECT g, CASE WHEN g % 2 = 0 THEN 'stripe' ELSE 'paypal' END,
             CASE WHEN g % 2 = 0 THEN 'ch_' ELSE 'PAY' END || g,
             CASE WHEN g % 10 = 3 THEN 'failed' WHEN g % 10 = 4 THEN 'refunded' WHEN g = 16 THEN 'disputed' ELSE 'succeeded' END,
             CASE WHEN g % 10 = 3 THEN 'card_declined' END,
             10 + g + 0.99, CASE WHEN g % 7 = 0 THEN 'EUR' ELSE 'USD' END,
             now() - g * interval '10 minutes' - interval '1 hour', now(),
             CASE WHEN g % 10 <> 3 THEN now() - g * interval '10 minutes' - interval '1 hour' END,
             CASE WHEN g % 10 = 3 THEN now() - g * interval '10 minutes' - interval '1 hour' END,
             CASE WHEN g % 10 = 4 THEN now() - g * interval '5 minutes' END,
             CASE WHEN g = 16 THEN now() - interval '2 minutes' END
        FROM generate_series(1, 60) g;
  `);
});
afterAll(async () => {
  for (const f of fakes) await f.stop();
  await tdb.drop();
});

async function run(plant: boolean) {
  const stripe = await new StripeFake().start();
  const paypal = await new PayPalFake().start();
  fakes.push(stripe, paypal);
  const planted = [
    ...(await feedFakeFromDatabase(tdb.pool, 'stripe', stripe, { plant })),
    ...(await feedFakeFromDatabase(tdb.pool, 'paypal', paypal, { plant })),
  ];
  const env = { SK: stripe.apiKey, PID: paypal.clientId, PSEC: paypal.clientSecret };
  const config: Config = parseConfig(
    {
      payment_providers: {
        stripe: { enabled: true, api_key: { env: 'SK' }, base_url: stripe.url, settle_lag: 0 },
        paypal: { enabled: true, client_id: { env: 'PID' }, client_secret: { env: 'PSEC' }, base_url: paypal.url, settle_lag: 0 },
        reconciliation_window: '1d',
      },
    },
    { env },
  );
  const collector = createReconciliationCollector(config, { env });
  const ctrl = new AbortController();
  const ctx = { config, log: createLogger('silent'), signal: ctrl.signal };
  await collector.prefetch!(ctx);
  const samples = await withReadOnly(tdb.pool, 30, ctrl.signal, (db) => collector.collect({ ...ctx, db }));
  return { planted, series: seriesOf(samples, M.paymentReconciliationMismatches.name) };
}

test('clean data: no mismatch of any kind for either provider', async () => {
  const { series } = await run(false);
  expect(Object.keys(series)).toHaveLength(8);
  expect(Object.values(series).every((v) => v === 0)).toBe(true);
});

test('every planted mismatch is found, once, under its kind', async () => {
  const { planted, series } = await run(true);
  expect(planted).toHaveLength(8);
  for (const provider of ['stripe', 'paypal']) {
    for (const kind of ['missing_in_db', 'missing_at_provider', 'status_differs', 'amount_differs']) {
      expect([provider, kind, series[`kind=${kind},provider=${provider}`]]).toEqual([provider, kind, 1]);
    }
  }
});
