/**
 * The PayPal poller against the fake: token expiry (401), 429/5xx/timeouts, a reporting delay
 * covered by settle_lag, 31-day windows and a restart; counters equal ground truth exactly.
 * Invalid credentials: provider_up=0, one clear log line without the secret, Stripe unaffected.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M } from '../../../shared/catalogue';
import { parseConfig, type Config } from '../../../exporter/src/config/load';
import { createPayPalCollector } from '../../../exporter/src/collectors/paypal';
import { createStripeCollector } from '../../../exporter/src/collectors/stripe';
import { PayPalFake } from '../../../exporter/src/demo/fakes/paypal-fake';
import { StripeFake } from '../../../exporter/src/demo/fakes/stripe-fake';
import { generatePayments } from '../../../exporter/src/demo/fakes/payment-stream';
import { VirtualClock } from '../../fakes/virtual-clock';
import { captureLogger, exportedCounters, expectedCounters, gauge, runCollector, truthFolds } from './support';
import { balancesOf, expectFailedPoll } from './support';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const DELAY = 3 * 3600;
let dir: string;
let fake: PayPalFake;
let stripeFake: StripeFake;
let clock: VirtualClock;

function config(secret: string, extra: Record<string, unknown> = {}): { cfg: Config; env: Record<string, string> } {
  const env = { PAYPAL_ID: fake.clientId, PAYPAL_SECRET: secret, STRIPE_KEY: stripeFake.apiKey };
  const cfg = parseConfig(
    {
      payment_providers: {
        paypal: {
          enabled: true,
          client_id: { env: 'PAYPAL_ID' },
          client_secret: { env: 'PAYPAL_SECRET' },
          base_url: fake.url,
          settle_lag: DELAY,
          initial_lookback: '45d',
          timeout: '400ms',
          max_retries: 8,
          requests_per_minute: 30,
          state_file: path.join(dir, 'paypal.json'),
          ...extra,
        },
        stripe: { enabled: true, api_key: { env: 'STRIPE_KEY' }, base_url: stripeFake.url, settle_lag: 0 },
      },
      // A cycle long enough (on the virtual clock) to catch up the whole lookback in one poll.
      collectors: { paypal: { timeout: '30m' } },
    },
    { env },
  );
  return { cfg, env };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-paypal-'));
  clock = new VirtualClock(T0);
  fake = await new PayPalFake({ now: clock.now, reportingDelay: DELAY, tokenLifetime: 3600 }).start();
  stripeFake = await new StripeFake({ now: clock.now }).start();
  const s = T0 / 1000;
  // 40 days of history: the first poll needs two 31-day windows.
  fake.addPayments(generatePayments({ seed: 11, count: 3000, from: s - 40 * 86_400, to: s + 3 * 86_400, idPrefix: 'PP' }));
  stripeFake.addPayments(generatePayments({ seed: 12, count: 50, from: s - 86_400, to: s }));
});
afterAll(async () => {
  await fake.stop();
  await stripeFake.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('counters equal ground truth through token expiry, faults, reporting delay and a restart', async () => {
  const { cfg, env } = config(fake.clientSecret);
  // The Reporting API carries no decline codes: every PayPal failure is reason="other".
  const folds = { ...truthFolds(cfg), reason: () => 'other' };
  const collector = createPayPalCollector(cfg, { clock, env });
  fake.faults.inject({ status: 429, retryAfter: 30 }, { pathPrefix: '/v1/reporting/transactions', times: 2 });
  fake.faults.inject({ status: 503 }, { pathPrefix: '/v1/reporting/transactions' });
  fake.faults.inject({ expiredToken: true }, { pathPrefix: '/v1/reporting/transactions' });
  fake.faults.inject({ slowMs: 1500 }, { pathPrefix: '/v1/reporting/balances' });
  fake.faults.inject({ malformed: true }, { pathPrefix: '/v1/customer/disputes' });
  // Time moves during a poll (Retry-After, budget): the poller's horizon is fixed when it starts.
  let h = Math.floor(clock.now() / 1000) - DELAY - 1;
  let s = await runCollector(collector, cfg);
  expect(gauge(s, M.paymentProviderUp, { provider: 'paypal' })).toBe(1);
  expect(fake.faults.pending()).toBe(0);
  let truth = fake.groundTruth(h, folds);
  expect(truth.payments.succeeded).toBeGreaterThan(2000);
  expect(exportedCounters(s, 'paypal')).toMatchObject(expectedCounters(truth));
  // The disputes API is not delayed: open disputes as of now.
  expect(gauge(s, M.paymentDisputesOpen, { provider: 'paypal' })).toBe(fake.groundTruth(Math.floor(clock.now() / 1000)).disputesOpen);
  expect(fake.groundTruth(Math.floor(clock.now() / 1000)).disputesOpen).toBeGreaterThan(0);
  expect(fake.tokensIssued).toBe(2); // the expired token was replaced once
  // No window was longer than 31 days (the fake answers 400 otherwise) and 429s were honoured.
  const reqs = fake.faults.requests;
  expect(reqs.filter((r) => r.status === 400)).toEqual([]);
  reqs.forEach((r, i) => {
    if (r.fault === '429') expect(reqs[i + 1]!.at - r.at).toBeGreaterThanOrEqual(30_000);
  });

  // Token lifetime passes: refreshed before expiry, no 401 needed.
  clock.advance(2 * 3600_000);
  const before = reqs.length;
  h = Math.floor(clock.now() / 1000) - DELAY - 1;
  s = await runCollector(collector, cfg);
  expect(reqs.slice(before).map((r) => r.path)).toEqual([
    '/v1/oauth2/token',
    '/v1/reporting/transactions',
    '/v1/reporting/balances',
    '/v1/customer/disputes',
  ]);
  truth = fake.groundTruth(h, folds);
  expect(exportedCounters(s, 'paypal')).toMatchObject(expectedCounters(truth));

  // Steady state: one request per endpoint (cached token).
  clock.advance(60_000);
  const before2 = reqs.length;
  await runCollector(collector, cfg);
  expect(reqs.slice(before2).map((r) => r.path)).toEqual(['/v1/reporting/transactions', '/v1/reporting/balances', '/v1/customer/disputes']);

  // A failed poll commits nothing; a restarted exporter continues from the persisted state.
  clock.advance(86_400_000);
  fake.faults.inject({ status: 500 }, { pathPrefix: '/v1/reporting/transactions', times: 9 });
  s = await runCollector(collector, cfg);
  expect(gauge(s, M.paymentProviderUp, { provider: 'paypal' })).toBe(0);
  const restarted = config(fake.clientSecret);
  fake.expireTokens();
  h = Math.floor(clock.now() / 1000) - DELAY - 1;
  s = await runCollector(createPayPalCollector(restarted.cfg, { clock, env: restarted.env }), restarted.cfg);
  truth = fake.groundTruth(h, folds);
  expect(gauge(s, M.paymentProviderUp, { provider: 'paypal' })).toBe(1);
  expect(exportedCounters(s, 'paypal')).toMatchObject(expectedCounters(truth));
});

test('invalid credentials: provider_up=0 and a clear log line without the secret; Stripe unaffected', async () => {
  const wrong = 'EPwrong-secret-0123456789abcdef';
  const { cfg, env } = config(wrong, { state_file: path.join(dir, 'paypal-bad.json') });
  const { log, lines } = captureLogger();
  const paypalSamples = await runCollector(createPayPalCollector(cfg, { clock, env }), cfg, log);
  const stripeSamples = await runCollector(createStripeCollector(cfg, { clock, env }), cfg, log);
  expect(gauge(paypalSamples, M.paymentProviderUp, { provider: 'paypal' })).toBe(0);
  expect(gauge(stripeSamples, M.paymentProviderUp, { provider: 'stripe' })).toBe(1);
  const failures = lines.filter((l) => l.includes('payment provider poll failed'));
  expect(failures).toHaveLength(1);
  expect(failures[0]).toMatch(/"provider":"paypal".*"kind":"auth".*client_id \/ client_secret/);
  expect(lines.join('\n')).not.toContain(wrong);

  // Same for a wrong Stripe key (the fake echoes part of it, like Stripe does).
  const badKey = 'sk_test_wrongkey_9f8e7d6c5b4a';
  const bad = parseConfig(
    { payment_providers: { stripe: { enabled: true, api_key: { env: 'K' }, base_url: stripeFake.url, settle_lag: 0 } } },
    { env: { K: badKey } },
  );
  const cap = captureLogger();
  const s = await runCollector(createStripeCollector(bad, { clock, env: { K: badKey } }), bad, cap.log);
  expect(gauge(s, M.paymentProviderUp, { provider: 'stripe' })).toBe(0);
  expect(cap.lines).toHaveLength(1);
  expect(cap.lines[0]).toMatch(/"kind":"auth".*authentication failed/);
  expect(cap.lines[0]).not.toContain(badKey);
});

test("a poll that fails after reading balances publishes no balance and no open disputes, not the last good poll's", async () => {
  const { cfg, env } = config(fake.clientSecret, { state_file: path.join(dir, 'paypal-failed-poll.json') });
  const collector = createPayPalCollector(cfg, { clock, env });
  const s = await runCollector(collector, cfg);
  expect(gauge(s, M.paymentProviderUp, { provider: 'paypal' })).toBe(1);
  expect(balancesOf(s).length).toBeGreaterThan(0);
  expect(gauge(s, M.paymentDisputesOpen, { provider: 'paypal' })).toBe(fake.groundTruth(Math.floor(clock.now() / 1000)).disputesOpen);

  // Disputes are read last: the balances of this poll were read, and still are not published.
  clock.advance(60_000);
  fake.faults.inject({ status: 500 }, { pathPrefix: '/v1/customer/disputes', times: 9 });
  const failed = await expectFailedPoll(collector, cfg, 'paypal');
  expect(fake.faults.pending()).toBe(0);
  expect(gauge(failed, M.paymentDisputesOpen, { provider: 'paypal' })).toBeUndefined();
});
