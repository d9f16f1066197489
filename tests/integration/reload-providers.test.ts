/**
 * A reload keeps a payment provider's runtime (request budget, Retry-After hold, clients) when that
 * provider's settings did not change, even when the collectors themselves are rebuilt: a provider that
 * asked to be left alone for an hour is not called again because of a reload. Changed provider
 * settings get a fresh runtime (the control that shows the check can fail).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startExporter, type RunningExporter } from '../../exporter/src/app';
import type { Config } from '../../exporter/src/config/load';
import { StripeFake } from '../../exporter/src/demo/fakes/stripe-fake';
import { createLogger } from '../../exporter/src/runtime/logger';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually, exporterConfig } from '../support/exporter';

let tdb: TestDatabase;
let fake: StripeFake;
let dir: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  fake = await new StripeFake().start();
  // The exporter reads secret references from its own environment.
  process.env.PULSE_TEST_STRIPE_KEY = fake.apiKey;
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-reload-providers-'));
});
afterAll(async () => {
  delete process.env.PULSE_TEST_STRIPE_KEY;
  await fake.stop();
  await tdb.drop();
  rmSync(dir, { recursive: true, force: true });
});

function config(stripe: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Config {
  return exporterConfig({
    url: tdb.url,
    only: ['users', 'stripe'],
    env: { PULSE_TEST_STRIPE_KEY: fake.apiKey },
    extra: {
      ...extra,
      payment_providers: {
        stripe: {
          enabled: true,
          interval: 1,
          api_key: { env: 'PULSE_TEST_STRIPE_KEY' },
          base_url: fake.url,
          settle_lag: 0,
          timeout: '2s',
          state_file: path.join(dir, 'stripe.json'),
          ...stripe,
        },
      },
    },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('an hour-long Retry-After hold survives reloads that keep the provider settings; new settings start afresh', async () => {
  let next = config();
  const e: RunningExporter = await startExporter({ config: next, log: createLogger('silent'), loadConfig: () => next });
  try {
    await eventually('the poller reached the provider', () => fake.faults.requests.length > 0, 30_000);
    // Every request from now on is told to come back in an hour (more than any cycle has left).
    fake.faults.inject({ status: 429, retryAfter: 3600, body: { error: { message: 'rate limited' } } }, { times: 1000 });
    const held = fake.faults.requests.length;
    await eventually('the provider answered 429', () => fake.faults.requests.length > held, 30_000);
    await sleep(3_000); // several 1 s cycles: the hold keeps the poller away
    const beforeReloads = fake.faults.requests.length;

    // Unchanged config, then a change that rebuilds every collector (a threshold) but not the provider.
    next = config();
    expect(await e.reload()).toBeNull();
    await sleep(1_500);
    next = config({}, { thresholds: { high_value_order: { default: 400 } } });
    expect(await e.reload()).toBeNull();
    await eventually('reloaded collectors took over', () => e.pendingReloads().length === 0, 30_000);
    await sleep(3_000);
    expect(fake.faults.requests.length).toBe(beforeReloads);

    // Control: a provider setting changes, so its runtime (and hold) is new and the provider is called.
    next = config({ requests_per_minute: 50 }, { thresholds: { high_value_order: { default: 400 } } });
    expect(await e.reload()).toBeNull();
    await eventually('the new runtime calls the provider', () => fake.faults.requests.length > beforeReloads, 30_000);
  } finally {
    await e.stop();
  }
}, 120_000);
