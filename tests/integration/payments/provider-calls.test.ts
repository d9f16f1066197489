/**
 * Fault matrix, provider calls and transactions, through the real scheduler, the real clients and
 * real PostgreSQL: each provider call carries its own cycle's signal and deadline (a reconciliation
 * timeout never aborts the poller), reconciliation calls the providers with no transaction open, and
 * a database collector awaiting something that never settles still ends at its deadline.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { M } from '../../../shared/catalogue';
import { parseConfig, type Config } from '../../../exporter/src/config/load';
import { createReconciliationCollector } from '../../../exporter/src/collectors/reconciliation';
import { createStripeCollector, type StripePollerState } from '../../../exporter/src/collectors/stripe';
import type { Collector } from '../../../exporter/src/collectors/types';
import { feedFakeFromDatabase } from '../../../exporter/src/demo/fakes/from-database';
import { generatePayments } from '../../../exporter/src/demo/fakes/payment-stream';
import { PayPalFake } from '../../../exporter/src/demo/fakes/paypal-fake';
import { StripeFake } from '../../../exporter/src/demo/fakes/stripe-fake';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { MetricStore } from '../../../exporter/src/metrics/store';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger } from '../../../exporter/src/runtime/logger';
import { Scheduler, type ScheduledCollector } from '../../../exporter/src/runtime/scheduler';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { seriesOf } from '../../support/collect';
import { exportedCounters, expectedCounters, gauge, truthFolds } from './support';

const EXPORTER_APP = 'pulse-exporter-under-test';
let tdb: TestDatabase;
/** The exporter's own pool, told apart from the fixture pool by its application_name. */
let exporterPool: pg.Pool;
let dir: string;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  exporterPool = new pg.Pool({ connectionString: tdb.url, max: 2, application_name: EXPORTER_APP });
  exporterPool.on('error', () => undefined);
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-provider-calls-'));
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '40 days');
    INSERT INTO sellers (id, applied_at, approved_at) VALUES (1, now() - interval '90 days', now() - interval '80 days');
    INSERT INTO orders (id, user_id, seller_id, category, created_at, status, total_amount, currency)
      SELECT g, 1, 1, 'books', now() - g * interval '10 minutes', 'paid', 10 + g, 'USD' FROM generate_series(1, 40) g;
    INSERT INTO payments (order_id, provider, provider_ref, status, amount, currency, created_at, updated_at, succeeded_at)
      SELECT g, CASE WHEN g % 2 = 0 THEN 'stripe' ELSE 'paypal' END, CASE WHEN g % 2 = 0 THEN 'ch_' ELSE 'PAY' END || g,
             'succeeded', 10 + g + 0.5, 'USD', now() - g * interval '10 minutes' - interval '1 hour', now(),
             now() - g * interval '10 minutes' - interval '1 hour'
        FROM generate_series(1, 40) g;
  `);
});
// A failed cycle is retried a few seconds later: each test's schedulers (and fakes) end with it.
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});
afterAll(async () => {
  await exporterPool.end();
  await tdb.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Sessions of the exporter's pool that are inside a transaction right now. */
async function exporterTransactionsOpen(): Promise<number> {
  const { rows } = await tdb.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND xact_start IS NOT NULL`,
    [tdb.name, EXPORTER_APP],
  );
  return rows[0]!.n;
}

function scheduler(config: Config, entries: ScheduledCollector[]): Scheduler {
  const s = new Scheduler(entries, {
    config,
    store: new MetricStore(config),
    pool: exporterPool,
    log: createLogger('silent'),
    version: 'test',
  });
  stops.push(() => s.stop(0));
  return s;
}

/** Keeps what the wrapped collector returned last. */
function recording(c: Collector): { collector: Collector; last: () => Sample[] } {
  let last: Sample[] = [];
  return {
    collector: { ...c, collect: async (ctx) => (last = await c.collect(ctx)) },
    last: () => last,
  };
}

/** Waits for a condition (the test's own timeout bounds it). */
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 20));
}

test('a hanging reconciliation call is aborted at its own deadline while the poller’s concurrent calls complete, exact', async () => {
  const fake = await new StripeFake().start();
  stops.push(() => fake.stop());
  const nowS = Math.floor(Date.now() / 1000);
  fake.addPayments(generatePayments({ seed: 12, count: 300, from: nowS - 3 * 3600, to: nowS - 60 }));
  const stateFile = path.join(dir, 'stripe.json');
  const config = parseConfig(
    {
      payment_providers: {
        // A per-request timeout far beyond the test: only a cycle's deadline can end a request here.
        stripe: {
          enabled: true,
          api_key: { env: 'SK' },
          base_url: fake.url,
          settle_lag: 0,
          timeout: '10m',
          max_retries: 0,
          initial_lookback: '4h',
          state_file: stateFile,
        },
        reconciliation_window: '1d',
      },
      collectors: { stripe: { timeout: '2m' }, reconciliation: { timeout: '1s' } },
    },
    { env: { SK: fake.apiKey } },
  );
  const env = { SK: fake.apiKey };
  const poller = recording(createStripeCollector(config, { env }));
  const stripeEntry = { collector: poller.collector, interval: 3600, timeout: 120 };
  const reconEntry = { collector: createReconciliationCollector(config, { env }), interval: 3600, timeout: 1 };
  const s = scheduler(config, [stripeEntry, reconEntry]);
  // The poller's first request is still in flight when reconciliation's deadline passes; its later
  // requests start after it. Reconciliation's charge list never answers.
  fake.faults.inject({ slowMs: 2_500 }, { pathPrefix: '/v1/events' });
  fake.faults.inject({ slowMs: 600_000 }, { pathPrefix: '/v1/charges' });
  const polling = s.runOnce(stripeEntry);
  await until(() => fake.faults.requests.some((r) => r.path === '/v1/events'));
  await s.runOnce(reconEntry);
  await polling;

  const [stripeStatus, reconStatus] = s.status();
  expect(reconStatus).toMatchObject({ name: 'reconciliation', up: false, errors: { timeout: 1 } });
  expect(stripeStatus).toMatchObject({ name: 'stripe', up: true, errors: {} });
  // The hung request was closed by the client (its own signal fired), not left to the 10-minute timeout.
  const charges = fake.faults.requests.find((r) => r.path === '/v1/charges')!;
  await until(() => charges.abandoned === true);
  expect(charges.status).toBe(0);
  // Requests the poller started after reconciliation's deadline went through and counted exactly.
  const eventsAfter = fake.faults.requests.filter((r) => r.path === '/v1/events' && r.fault === undefined);
  expect(eventsAfter.length).toBeGreaterThan(0);
  expect(eventsAfter.every((r) => r.status === 200)).toBe(true);
  expect(gauge(poller.last(), M.paymentProviderUp, { provider: 'stripe' })).toBe(1);
  const wm = (JSON.parse(readFileSync(stateFile, 'utf8')) as { payload: StripePollerState }).payload.watermark!;
  const expected = expectedCounters(fake.groundTruth(wm, truthFolds(config)));
  expect(expected.payments.succeeded).toBeGreaterThan(100);
  expect(exportedCounters(poller.last(), 'stripe')).toMatchObject(expected);
});

test('reconciliation calls both providers with no transaction of the exporter open, then compares in one short transaction', async () => {
  const stripe = await new StripeFake().start();
  const paypal = await new PayPalFake().start();
  stops.push(
    () => stripe.stop(),
    () => paypal.stop(),
  );
  await feedFakeFromDatabase(tdb.pool, 'stripe', stripe, { plant: false });
  await feedFakeFromDatabase(tdb.pool, 'paypal', paypal, { plant: false });
  const env = { SK: stripe.apiKey, PID: paypal.clientId, PSEC: paypal.clientSecret };
  const config = parseConfig(
    {
      payment_providers: {
        stripe: { enabled: true, api_key: { env: 'SK' }, base_url: stripe.url, settle_lag: 0 },
        paypal: { enabled: true, client_id: { env: 'PID' }, client_secret: { env: 'PSEC' }, base_url: paypal.url, settle_lag: 0 },
        reconciliation_window: '1d',
      },
    },
    { env },
  );
  // The probe works: inside a cycle's transaction it sees exactly one.
  const ctrl = new AbortController();
  const inside = await withReadOnly(exporterPool, 10, ctrl.signal, async (db) => {
    await db.query('SELECT 1');
    return exporterTransactionsOpen();
  });
  expect(inside).toBe(1);

  const seen: number[] = [];
  const probe = { probe: async () => void seen.push(await exporterTransactionsOpen()) };
  stripe.faults.inject(probe, { pathPrefix: '/v1/charges', times: 1000 });
  paypal.faults.inject(probe, { pathPrefix: '/v1/reporting/transactions', times: 1000 });
  const recon = recording(createReconciliationCollector(config, { env }));
  const entry = { collector: recon.collector, interval: 3600, timeout: 30 };
  const s = scheduler(config, [entry]);
  await s.runOnce(entry);

  expect(s.status()[0]).toMatchObject({ up: true, errors: {} });
  expect(stripe.faults.requests.filter((r) => r.fault === 'probe').length).toBeGreaterThan(0);
  expect(paypal.faults.requests.filter((r) => r.fault === 'probe').length).toBeGreaterThan(0);
  expect(seen).toEqual(seen.map(() => 0));
  const series = seriesOf(recon.last(), M.paymentReconciliationMismatches.name);
  expect(Object.keys(series)).toHaveLength(8);
  expect(Object.values(series).every((v) => v === 0)).toBe(true);
  expect(await exporterTransactionsOpen()).toBe(0);
});

test('a database collector awaiting something that never settles ends at its deadline; its connection is not left in a transaction', async () => {
  const config = parseConfig({ collection: { start_jitter: 0 } }, { env: {} });
  let queried = false;
  const hung: Collector = {
    name: 'hung_db',
    usesDatabase: true,
    metrics: [],
    async collect({ db }) {
      await db.query('SELECT 1');
      queried = true;
      return new Promise<Sample[]>(() => undefined);
    },
  };
  const entry = { collector: hung, interval: 3600, timeout: 0.5 };
  const s = scheduler(config, [entry]);
  await s.runOnce(entry); // without the race this never returns
  expect(queried).toBe(true);
  expect(s.status()[0]).toMatchObject({ up: false, errors: { timeout: 1 } });
  // The connection was destroyed, not returned to the pool mid-transaction: its session ends.
  await until(async () => (await exporterTransactionsOpen()) === 0);
});
