/**
 * Partial refunds count the same way at Stripe and PayPal (and in the database): a payment enters
 * "refunded" once, at its first refund, however many refunds follow. Stripe reports the payment's
 * amount with it; PayPal's Reporting API only the first refund's. The rule survives a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, type Config } from '../../../exporter/src/config/load';
import { createStripeCollector } from '../../../exporter/src/collectors/stripe';
import { createPayPalCollector } from '../../../exporter/src/collectors/paypal';
import { StripeFake } from '../../../exporter/src/demo/fakes/stripe-fake';
import { PayPalFake } from '../../../exporter/src/demo/fakes/paypal-fake';
import { generatePayments, type FakePayment } from '../../../exporter/src/demo/fakes/payment-stream';
import { VirtualClock } from '../../fakes/virtual-clock';
import { exportedCounters, expectedCounters, runCollector, truthFolds } from './support';

const T0 = Date.UTC(2026, 10, 3, 12, 0, 0);
let dir: string;
let clock: VirtualClock;
let stripe: StripeFake;
let paypal: PayPalFake;
let payments: FakePayment[];

function config(): Config {
  const env = { SK: stripe.apiKey, PID: paypal.clientId, PSEC: paypal.clientSecret };
  const common = { enabled: true, settle_lag: 0, requests_per_minute: 1000, initial_lookback: '10d' };
  return parseConfig(
    {
      payment_providers: {
        stripe: { ...common, api_key: { env: 'SK' }, base_url: stripe.url, state_file: path.join(dir, 'stripe.json') },
        paypal: {
          ...common,
          client_id: { env: 'PID' },
          client_secret: { env: 'PSEC' },
          base_url: paypal.url,
          state_file: path.join(dir, 'paypal.json'),
        },
      },
      collectors: { stripe: { timeout: '10m' }, paypal: { timeout: '10m' } },
    },
    { env },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-refunds-'));
  clock = new VirtualClock(T0);
  stripe = await new StripeFake({ now: clock.now }).start();
  paypal = await new PayPalFake({ now: clock.now }).start();
  const s = T0 / 1000;
  // The same payments at both providers; half the refunds partial, the rest refunded hours or days later.
  payments = generatePayments({ seed: 31, count: 1500, from: s - 6 * 86_400, to: s, refundedShare: 0.2, partialRefundShare: 0.5 });
  stripe.addPayments(payments.map((p) => ({ ...p })));
  paypal.addPayments(payments.map((p) => ({ ...p })));
});
afterAll(async () => {
  await stripe.stop();
  await paypal.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a payment is refunded once, at its first refund, at both providers; across a restart too', async () => {
  const cfg = config();
  const env = { SK: stripe.apiKey, PID: paypal.clientId, PSEC: paypal.clientSecret };
  const folds = truthFolds(cfg);
  const paypalFolds = { ...folds, reason: () => 'other', refundedAmount: (p: FakePayment) => p.firstRefundMinor ?? p.amountMinor };
  const check = async (collectors: {
    stripe: ReturnType<typeof createStripeCollector>;
    paypal: ReturnType<typeof createPayPalCollector>;
  }) => {
    const h = Math.floor(clock.now() / 1000) - 1;
    const st = exportedCounters(await runCollector(collectors.stripe, cfg), 'stripe');
    const pp = exportedCounters(await runCollector(collectors.paypal, cfg), 'paypal');
    expect(st).toMatchObject(expectedCounters(stripe.groundTruth(h, folds)));
    expect(pp).toMatchObject(expectedCounters(paypal.groundTruth(h, paypalFolds)));
    // Same count of refunded payments on both sides: the refunded payments, not the refunds.
    const refundedPayments = payments.filter((p) => p.refundedAt !== undefined && p.refundedAt <= h).length;
    expect([st.payments.refunded, pp.payments.refunded]).toEqual([refundedPayments, refundedPayments]);
    return h;
  };

  const first = { stripe: createStripeCollector(cfg, { clock, env }), paypal: createPayPalCollector(cfg, { clock, env }) };
  let h = await check(first);
  const seconds = (upTo: number) => payments.filter((p) => p.secondRefundAt !== undefined && p.secondRefundAt <= upTo).length;
  expect(seconds(h)).toBeGreaterThan(10); // second refunds already happened, and did not count again
  const pendingSeconds = payments.filter((p) => p.secondRefundAt !== undefined && p.secondRefundAt > h && p.refundedAt! <= h).length;
  expect(pendingSeconds).toBeGreaterThan(0);

  // Restart, then the second refunds of payments first refunded before it arrive: still not counted again.
  clock.advance(3 * 86_400_000);
  const restarted = { stripe: createStripeCollector(config(), { clock, env }), paypal: createPayPalCollector(config(), { clock, env }) };
  h = await check(restarted);
  expect(seconds(h)).toBeGreaterThan(seconds(h - 3 * 86_400));
});
