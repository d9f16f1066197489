/**
 * First catch-up on a large Stripe backlog under a small request budget: the poller reads one-day
 * windows oldest first, commits each as soon as it is fully read, and stops starting new ones once
 * half of its cycle is spent. Over several polls it reaches the horizon; after every poll the counters
 * equal the fake's ground truth up to the saved watermark, exactly, and the budget is never exceeded.
 * A cycle cut off mid-window keeps the windows it committed and loses nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M } from '../../../shared/catalogue';
import { parseConfig, type Config } from '../../../exporter/src/config/load';
import { createStripeCollector, type StripePollerState } from '../../../exporter/src/collectors/stripe';
import { StripeFake } from '../../../exporter/src/demo/fakes/stripe-fake';
import { generatePayments } from '../../../exporter/src/demo/fakes/payment-stream';
import { VirtualClock } from '../../fakes/virtual-clock';
import { captureLogger, exportedCounters, expectedCounters, gauge, maxPerMinute, runCollector, truthFolds } from './support';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const DAY = 86_400;
const RPM = 5;
let dir: string;
let fake: StripeFake;
let clock: VirtualClock;

function config(stateFile: string): Config {
  return parseConfig(
    {
      payment_providers: {
        stripe: {
          enabled: true,
          api_key: { env: 'SK' },
          base_url: fake.url,
          settle_lag: 0,
          requests_per_minute: RPM,
          timeout: '400ms',
          max_retries: 4,
          max_window: '1d',
          initial_lookback: '7d',
          state_file: stateFile,
        },
      },
      // No new window starts after 60 virtual seconds of a poll.
      collectors: { stripe: { timeout: '2m' } },
    },
    { env: { SK: fake.apiKey } },
  );
}

// State files are durable envelopes: { format, version, sha256, payload }.
const watermarkIn = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { payload: StripePollerState }).payload.watermark!;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-stripe-catchup-'));
  clock = new VirtualClock(T0);
  fake = await new StripeFake({ now: clock.now }).start();
  const s = T0 / 1000;
  // Six days of payments (~4 pages of events a day), refunds and disputes landing up to days later.
  fake.addPayments(generatePayments({ seed: 23, count: 2000, from: s - 6 * DAY + 60, to: s - 60 }));
});
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a week of backlog catches up over several polls, exact after each, within the request budget', async () => {
  const file = path.join(dir, 'stripe.json');
  const cfg = config(file);
  const folds = truthFolds(cfg);
  const collector = createStripeCollector(cfg, { clock, env: { SK: fake.apiKey } });
  const from = fake.faults.requests.length;
  const watermarks: number[] = [];
  let horizon = 0;
  for (let poll = 0; poll < 20; poll++) {
    horizon = Math.floor(clock.now() / 1000) - 1;
    const { log, lines } = captureLogger();
    const s = await runCollector(collector, cfg, log);
    expect(gauge(s, M.paymentProviderUp, { provider: 'stripe' })).toBe(1);
    const wm = watermarkIn(file);
    // Every poll commits at least one whole window, and the counters are exact up to the watermark.
    expect(wm).toBeGreaterThan(watermarks.at(-1) ?? horizon - 7 * DAY);
    expect(exportedCounters(s, 'stripe')).toMatchObject(expectedCounters(fake.groundTruth(wm, folds)));
    watermarks.push(wm);
    if (wm === horizon) {
      expect(lines.filter((l) => l.includes('catching up'))).toEqual([]);
      expect(gauge(s, M.paymentDisputesOpen, { provider: 'stripe' })).toBe(fake.groundTruth(horizon).disputesOpen);
      break;
    }
    expect(lines.filter((l) => l.includes('payment provider catching up'))).toHaveLength(1);
    clock.advance(60_000); // the collector's interval
  }
  expect(watermarks.at(-1)).toBe(horizon);
  expect(watermarks.length).toBeGreaterThanOrEqual(3);
  expect(fake.groundTruth(horizon).payments.succeeded).toBeGreaterThan(1400);

  const reqs = fake.faults.requests.slice(from);
  // Never more than the budget in any minute, and the budget did bind.
  expect(maxPerMinute(reqs.map((r) => r.at))).toBe(RPM);
  // Every events request asked for a window of at most one day, aligned on committed watermarks.
  const events = reqs.filter((r) => r.path === '/v1/events');
  for (const r of events) expect(Number(r.query['created[lte]']) - Number(r.query['created[gt]'])).toBeLessThanOrEqual(DAY);
  for (const wm of watermarks) expect(events.some((r) => Number(r.query['created[lte]']) === wm)).toBe(true);
});

test('a cycle cut off mid-window keeps the windows it committed; the next poll continues exactly', async () => {
  const file = path.join(dir, 'stripe-cut.json');
  const cfg = config(file);
  const folds = truthFolds(cfg);
  const collector = createStripeCollector(cfg, { clock, env: { SK: fake.apiKey } });
  // The scheduler's timeout fires while the poll waits for budget in its second window.
  const ctrl = new AbortController();
  clock.onSleep = () => ctrl.abort(new Error('timeout after 120s'));
  const { log, lines } = captureLogger();
  const horizon = Math.floor(clock.now() / 1000) - 1;
  await runCollector(collector, cfg, log, ctrl.signal);
  clock.onSleep = undefined;
  expect(lines.some((l) => l.includes('payment provider poll failed'))).toBe(true);
  const wm = watermarkIn(file);
  expect(wm).toBeGreaterThan(horizon - 7 * DAY);
  expect(wm).toBeLessThan(horizon);

  // A restarted exporter (fresh collector, same state file) picks up from the committed window.
  const restarted = createStripeCollector(config(file), { clock, env: { SK: fake.apiKey } });
  for (let poll = 0; poll < 20 && watermarkIn(file) < horizon; poll++) await runCollector(restarted, cfg);
  const last = watermarkIn(file);
  expect(last).toBeGreaterThanOrEqual(horizon);
  const s = await runCollector(restarted, cfg);
  expect(exportedCounters(s, 'stripe')).toMatchObject(expectedCounters(fake.groundTruth(watermarkIn(file), folds)));
});
