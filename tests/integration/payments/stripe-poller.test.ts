/**
 * The Stripe poller through the real `stripe` SDK against the fake: after 429 bursts, 5xx,
 * malformed bodies, timeouts, a failed poll and a restart from the persisted state, the exported
 * counters equal the fake's ground truth exactly; Retry-After and the request budget hold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M } from '../../../shared/catalogue';
import { parseConfig, type Config } from '../../../exporter/src/config/load';
import { createStripeCollector } from '../../../exporter/src/collectors/stripe';
import { StripeFake } from '../../../exporter/src/demo/fakes/stripe-fake';
import { generatePayments } from '../../../exporter/src/demo/fakes/payment-stream';
import { VirtualClock } from '../../fakes/virtual-clock';
import { captureLogger, exportedCounters, expectedCounters, gauge, maxPerMinute, runCollector, truthFolds } from './support';
import { balancesOf, expectFailedPoll } from './support';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const RPM = 12;
let dir: string;
let fake: StripeFake;
let clock: VirtualClock;

function config(extra: Record<string, unknown> = {}): Config {
  return parseConfig(
    {
      payment_providers: {
        stripe: {
          enabled: true,
          api_key: { env: 'STRIPE_KEY' },
          base_url: fake.url,
          settle_lag: 0,
          requests_per_minute: RPM,
          timeout: '400ms',
          max_retries: 8,
          state_file: path.join(dir, 'stripe.json'),
          ...extra,
        },
      },
      // A cycle long enough (on the virtual clock) to catch up ten days of backlog in one poll.
      collectors: { stripe: { timeout: '30m' } },
    },
    { env: { STRIPE_KEY: fake.apiKey } },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-stripe-'));
  clock = new VirtualClock(T0);
  fake = await new StripeFake({ now: clock.now }).start();
  const s = T0 / 1000;
  fake.addPayments(generatePayments({ seed: 7, count: 2500, from: s - 10 * 86_400, to: s + 2 * 86_400 }));
  fake.addPayoutFailure(s - 3 * 86_400);
  fake.addPayoutFailure(s + 86_400 + 5);
});
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('counters equal ground truth through faults, a failed poll and a restart; Retry-After and budget hold', async () => {
  const env = { STRIPE_KEY: fake.apiKey };
  const cfg = config();
  const collector = createStripeCollector(cfg, { clock, env });
  const folds = truthFolds(cfg);
  // The poller closes windows one second behind its clock, fixed when the poll starts (time moves
  // during a poll: Retry-After, budget).
  let h = 0;
  const horizon = () => h;
  const mark = () => (h = Math.floor(clock.now() / 1000) - 1);

  // Poll 1: a 429 burst, 5xx, a malformed body and a slow answer in the middle of pagination.
  fake.faults.inject({ status: 429, retryAfter: 7 }, { pathPrefix: '/v1/events', times: 3 });
  fake.faults.inject({ status: 500 }, { pathPrefix: '/v1/events' });
  fake.faults.inject({ status: 503 }, { pathPrefix: '/v1/events' });
  fake.faults.inject({ malformed: true }, { pathPrefix: '/v1/events' });
  fake.faults.inject({ slowMs: 1500 }, { pathPrefix: '/v1/events' });
  fake.faults.inject({ status: 503 }, { pathPrefix: '/v1/balance' });
  const first = captureLogger();
  mark();
  let s = await runCollector(collector, cfg, first.log);
  expect(first.lines.filter((l) => l.includes('failed'))).toEqual([]);
  expect(gauge(s, M.paymentProviderUp, { provider: 'stripe' })).toBe(1);
  expect(fake.faults.pending()).toBe(0);
  let truth = fake.groundTruth(horizon(), folds);
  expect(truth.payments.succeeded).toBeGreaterThan(1500);
  expect(truth.payments.refunded).toBeGreaterThan(10);
  expect(exportedCounters(s, 'stripe')).toMatchObject({ ...expectedCounters(truth), payoutsFailed: 1, disputesOpen: truth.disputesOpen });
  expect(gauge(s, M.paymentProviderBalance, { provider: 'stripe', currency: 'USD', type: 'available' })).toBeGreaterThan(0);

  // Poll 2 fails (more 5xx than retries): nothing is committed, up=0.
  clock.advance(86_400_000);
  fake.faults.inject({ status: 500 }, { pathPrefix: '/v1/events', times: 9 });
  const { log, lines } = captureLogger();
  s = await runCollector(collector, cfg, log);
  expect(gauge(s, M.paymentProviderUp, { provider: 'stripe' })).toBe(0);
  expect(exportedCounters(s, 'stripe').payments).toEqual(truth.payments); // unchanged
  expect(lines.some((l) => l.includes('payment provider poll failed') && l.includes('server error 500'))).toBe(true);

  // Poll 3 catches up exactly (refunds and disputes of old payments included).
  mark();
  s = await runCollector(collector, cfg);
  truth = fake.groundTruth(horizon(), folds);
  expect(gauge(s, M.paymentProviderUp, { provider: 'stripe' })).toBe(1);
  expect(exportedCounters(s, 'stripe')).toMatchObject({ ...expectedCounters(truth), payoutsFailed: 2, disputesOpen: truth.disputesOpen });

  // Restart: a new exporter (new config object, same state file) continues the same counters.
  clock.advance(86_400_000 + 3_600_000);
  const cfg2 = config();
  const atRestart = fake.faults.requests.length;
  const restarted = createStripeCollector(cfg2, { clock, env });
  fake.faults.inject({ status: 429, retryAfter: 3 }, { pathPrefix: '/v1/events', times: 2 });
  mark();
  s = await runCollector(restarted, cfg2);
  truth = fake.groundTruth(horizon(), folds);
  expect(exportedCounters(s, 'stripe')).toMatchObject({ ...expectedCounters(truth), payoutsFailed: 2, disputesOpen: truth.disputesOpen });

  // Retry-After: the request after each 429 started no earlier than the header allowed.
  const reqs = fake.faults.requests;
  const r429 = reqs.map((r, i) => ({ r, i })).filter(({ r }) => r.fault === '429');
  expect(r429).toHaveLength(5);
  for (const { r, i } of r429)
    expect(reqs[i + 1]!.at - r.at).toBeGreaterThanOrEqual(r.at === r429[3]!.r.at || r.at === r429[4]!.r.at ? 3000 : 7000);

  // Budget: never more than RPM requests in any 60 s window, and it did bind (more pages than RPM).
  expect(reqs.length).toBeGreaterThan(3 * RPM);
  expect(maxPerMinute(reqs.map((r) => r.at))).toBeLessThanOrEqual(RPM);
  expect(maxPerMinute(reqs.map((r) => r.at))).toBe(RPM);

  // Steady state: nothing new → one events request and one balance request.
  const before = reqs.length;
  clock.advance(5_000);
  s = await runCollector(restarted, cfg2);
  expect(reqs.slice(before).map((r) => r.path)).toEqual(['/v1/events', '/v1/balance']);
  expect(gauge(s, M.paymentProviderUp, { provider: 'stripe' })).toBe(1);

  // Request metrics (of the restarted exporter) count every attempt, 429s included.
  const counted = s.filter((x) => x.metric === M.paymentProviderRequestsTotal);
  const total = counted.reduce((n, x) => n + ('value' in x ? x.value : 0), 0);
  expect(total).toBe(reqs.length - atRestart);
  expect(gauge(s, M.paymentProviderRequestsTotal, { provider: 'stripe', endpoint: 'events', code: '429' })).toBe(2);
});

test("a poll that fails at the balance publishes no balance, not the last good poll's", async () => {
  const cfg = config({ state_file: path.join(dir, 'stripe-failed-poll.json'), initial_lookback: '1h' });
  const collector = createStripeCollector(cfg, { clock, env: { STRIPE_KEY: fake.apiKey } });
  const s = await runCollector(collector, cfg);
  expect(gauge(s, M.paymentProviderUp, { provider: 'stripe' })).toBe(1);
  expect(balancesOf(s).length).toBeGreaterThan(0);

  clock.advance(60_000);
  fake.faults.inject({ status: 500 }, { pathPrefix: '/v1/balance', times: 9 });
  await expectFailedPoll(collector, cfg, 'stripe');
  expect(fake.faults.pending()).toBe(0);
});
