/**
 * Payment providers for the demo: the Stripe and PayPal fakes on loopback, fed from the demo
 * database every few seconds, so `npm start` shows provider metrics and reconciliation with no
 * credentials. The fakes agree with the database except for one planted mismatch of each kind per
 * provider, which reconciliation reports.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../runtime/logger';
import { DatabaseFeed } from './fakes/from-database';
import { PayPalFake } from './fakes/paypal-fake';
import { StripeFake } from './fakes/stripe-fake';

/** How often new and changed payments rows reach the fakes. */
export const FEED_INTERVAL_MS = 5_000;

/**
 * Environment variables holding the demo credentials. Not STRIPE_API_KEY & co, so that real
 * credentials in the environment are never overwritten; not PULSE_*, which is config.
 */
export const DEMO_ENV = {
  stripeKey: 'DEMO_STRIPE_API_KEY',
  paypalId: 'DEMO_PAYPAL_CLIENT_ID',
  paypalSecret: 'DEMO_PAYPAL_CLIENT_SECRET',
} as const;

export interface PaymentFakes {
  /** Raw config patch (collectors + payment_providers) to merge under the user's config before parsing. */
  config: Record<string, unknown>;
  /** Credentials the patch refers to; put into the environment the config is parsed with. */
  env: Record<string, string>;
  /** Planted mismatches so far (for logs and tests). */
  planted(): { provider: 'stripe' | 'paypal'; kind: string; ref: string }[];
  /** One feed of both fakes now (the timer does this every FEED_INTERVAL_MS). */
  feed(): Promise<void>;
  stop(): Promise<void>;
}

/** `historyDays`: how far back the pollers read on their first poll, so provider and database totals cover the same history. */
export async function startPaymentFakes(pool: pg.Pool, log?: Logger, historyDays = 30): Promise<PaymentFakes> {
  const stripe = await new StripeFake({ apiKey: `sk_test_demo_${randomBytes(12).toString('hex')}` }).start();
  const paypal = await new PayPalFake({
    clientId: 'AZdemo-marketplace-pulse',
    clientSecret: `EPdemo-${randomBytes(12).toString('hex')}`,
  }).start();
  const feeds = [new DatabaseFeed(pool, 'stripe', stripe, { plant: true }), new DatabaseFeed(pool, 'paypal', paypal, { plant: true })];

  let running: Promise<void> = Promise.resolve();
  const feed = (): Promise<void> => {
    // Feeds never overlap: a slow one delays the next.
    running = running.then(async () => {
      for (const f of feeds) {
        const before = f.planted.length;
        await f.feed();
        if (f.planted.length > before)
          log?.info(
            { provider: f.provider, planted: f.planted.map((p) => p.kind) },
            'demo payment provider: mismatches planted for reconciliation',
          );
      }
    });
    return running;
  };

  try {
    await feed();
  } catch (e) {
    await Promise.all([stripe.stop(), paypal.stop()]);
    throw e;
  }
  const timer = setInterval(() => {
    feed().catch((err: unknown) => {
      running = Promise.resolve();
      log?.warn({ err: (err as Error)?.message ?? String(err) }, 'demo payment provider feed failed');
    });
  }, FEED_INTERVAL_MS);
  timer.unref();
  log?.info({ stripe: stripe.url, paypal: paypal.url }, 'demo payment providers started');

  // Fed up to FEED_INTERVAL_MS late (plus the simulator's own tick), so the pollers wait a settle
  // lag well past that before counting a second; local fakes can take a generous request budget.
  const common = {
    enabled: true,
    interval: '15s',
    settle_lag: '60s',
    requests_per_minute: 600,
    timeout: '5s',
    initial_lookback: `${historyDays + 1}d`,
  };
  const config = {
    collectors: {
      stripe: { timeout: '2m' },
      paypal: { timeout: '2m' },
      reconciliation: { enabled: true, interval: '60s', timeout: '2m' },
    },
    payment_providers: {
      stripe: { ...common, api_key: { env: DEMO_ENV.stripeKey }, base_url: stripe.url },
      paypal: { ...common, client_id: { env: DEMO_ENV.paypalId }, client_secret: { env: DEMO_ENV.paypalSecret }, base_url: paypal.url },
      // Mismatches are planted once per start: a week-long window keeps them on the dashboard.
      reconciliation_window: '7d',
    },
  };
  const env = { [DEMO_ENV.stripeKey]: stripe.apiKey, [DEMO_ENV.paypalId]: paypal.clientId, [DEMO_ENV.paypalSecret]: paypal.clientSecret };

  return {
    config,
    env,
    feed,
    planted: () => feeds.flatMap((f) => f.planted.map((p) => ({ provider: f.provider, ...p }))),
    async stop() {
      clearInterval(timer);
      await running.catch(() => undefined);
      await Promise.all([stripe.stop(), paypal.stop()]);
    },
  };
}
