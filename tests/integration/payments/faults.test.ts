/**
 * Fault matrix, payment providers: an absurd Retry-After, a truncated body, records that are valid
 * JSON but not valid payments, a corrupt state file, and a crash between the state write and its
 * rename. Each time the counters stay equal to the fake's ground truth (or unchanged), and the
 * failure shows as provider_up=0 / a rejected-records count / a refused file, never as NaN.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { M } from '../../../shared/catalogue';
import { parseConfig, type Config } from '../../../exporter/src/config/load';
import { createStripeCollector, type StripePollerState } from '../../../exporter/src/collectors/stripe';
import { paymentFolds } from '../../../exporter/src/payments/folds';
import { StripeFake } from '../../../exporter/src/demo/fakes/stripe-fake';
import { generatePayments } from '../../../exporter/src/demo/fakes/payment-stream';
import { GuardedRequester, MAX_RETRY_AFTER_MS, ProviderRequestError } from '../../../exporter/src/payments/guarded-requester';
import { applyPayPalTransaction, RefundLedger, type PayPalTransactionInfo } from '../../../exporter/src/payments/paypal-transactions';
import { ProviderCounters } from '../../../exporter/src/payments/provider-counters';
import { RequestBudget } from '../../../exporter/src/payments/request-budget';
import { RequestMetrics } from '../../../exporter/src/payments/request-metrics';
import { applyStripeEvent } from '../../../exporter/src/payments/stripe-events';
import { VirtualClock } from '../../fakes/virtual-clock';
import { captureLogger, exportedCounters, expectedCounters, gauge, runCollector, truthFolds } from './support';

const T0 = Date.UTC(2026, 10, 3, 9, 0, 0);
const DAY = 86_400;
let dir: string;
let fake: StripeFake;
let clock: VirtualClock;

function config(stateFile: string, baseUrl = fake.url, timeout = '400ms'): Config {
  return parseConfig(
    {
      payment_providers: {
        stripe: {
          enabled: true,
          api_key: { env: 'SK' },
          base_url: baseUrl,
          settle_lag: 0,
          timeout,
          max_retries: 2,
          max_window: '1d',
          initial_lookback: '2d',
          state_file: stateFile,
        },
      },
      collectors: { stripe: { timeout: '5m' } },
    },
    { env: { SK: fake.apiKey } },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-pay-faults-'));
  clock = new VirtualClock(T0);
  fake = await new StripeFake({ now: clock.now }).start();
  fake.addPayments(generatePayments({ seed: 31, count: 300, from: T0 / 1000 - 2 * DAY + 60, to: T0 / 1000 - 60 }));
});
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Retry-After', () => {
  // Every run belongs to a cycle ending at `deadline` on the virtual clock.
  const requester = (c: VirtualClock, deadline?: number) => {
    const r = new GuardedRequester({
      budget: new RequestBudget(1000, c),
      metrics: new RequestMetrics('stripe'),
      clock: c,
      timeoutMs: 1000,
      maxRetries: 3,
    });
    return { run: (endpoint: string, attempt: Parameters<GuardedRequester['run']>[1]) => r.run(endpoint, attempt, { deadline }) };
  };

  test('an absurd Retry-After (above 2^31 ms) ends the cycle at once instead of overflowing a timer; the hold is capped at a day', async () => {
    const c = new VirtualClock(T0);
    const r = requester(c, T0 + 120_000);
    let calls = 0;
    const attempt = async () => {
      calls++;
      return { status: 429, retryAfter: '99999999999', body: {} };
    };
    await expect(r.run('events', attempt)).rejects.toMatchObject({ kind: 'rate_limited' });
    expect(c.slept).toBe(0);
    expect(calls).toBe(1);
    // The next cycle starts inside the hold: no request at all.
    await expect(r.run('events', attempt)).rejects.toThrow(/Retry-After hold of 86400s exceeds the time left/);
    expect(calls).toBe(1);
    // After the (capped) day the provider is asked again.
    c.advance(MAX_RETRY_AFTER_MS);
    const ok = requester(c, undefined);
    expect((await ok.run('events', async () => ({ status: 200, body: { ok: true } }))).status).toBe(200);
  });

  test('a Retry-After within the time left is waited out exactly, then the request succeeds', async () => {
    const c = new VirtualClock(T0);
    const r = requester(c, T0 + 120_000);
    const answers = [
      { status: 429, retryAfter: '30', body: {} },
      { status: 200, body: { ok: 1 } },
    ];
    const res = await r.run('events', async () => answers.shift()!);
    expect(res.status).toBe(200);
    expect(c.slept).toBe(30_000);
  });

  test('an HTTP-date Retry-After far in the future is treated like the capped delta', async () => {
    const c = new VirtualClock(T0);
    const r = requester(c, T0 + 60_000);
    const err = await r.run('events', async () => ({ status: 429, retryAfter: 'Fri, 01 Jan 2100 00:00:00 GMT', body: {} })).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect(c.slept).toBe(0);
  });
});

describe('provider bodies', () => {
  test('a truncated body: retried, then provider_up=0 with one log line without the key; nothing committed', async () => {
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      res.write('{"object":"list","data":[{"id":"evt_1","type":"charge.succ');
      setTimeout(() => res.destroy(), 10);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const file = path.join(dir, 'truncated.json');
      const cfg = config(file, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const { log, lines } = captureLogger();
      const s = await runCollector(createStripeCollector(cfg, { clock: new VirtualClock(T0), env: { SK: fake.apiKey } }), cfg, log);
      expect(gauge(s, M.paymentProviderUp, { provider: 'stripe' })).toBe(0);
      expect(requests).toBe(3); // max_retries 2 → three attempts
      expect(existsSync(file)).toBe(false);
      expect(exportedCounters(s, 'stripe').payments).toEqual({});
      const failures = lines.filter((l) => l.includes('payment provider poll failed'));
      expect(failures).toHaveLength(1);
      expect(failures[0]).not.toContain(fake.apiKey);
    } finally {
      server.close();
    }
  });

  test.each([
    ['streamed without a length', false],
    ['declared in Content-Length', true],
  ])(
    'a 256 MiB body (%s): refused after at most 8 MiB read, not retried, provider_up=0, one line, totals unchanged',
    async (_w, declared) => {
      const HUGE = 256 * 1024 * 1024;
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let huge = false;
      let hugeRequests = 0;
      let sent = 0;
      // Passes requests on to the fake until switched to answering with an endless-looking body.
      const server = http.createServer((req, res) => {
        if (!huge) {
          void fetch(`${fake.url}${req.url}`, { headers: { authorization: String(req.headers.authorization) } }).then(async (r) => {
            res.writeHead(r.status, { 'content-type': 'application/json' });
            res.end(Buffer.from(await r.arrayBuffer()));
          });
          return;
        }
        hugeRequests++;
        res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(HUGE) } : {}) });
        res.write('{"object":"list","data":[');
        // Writes only as fast as the client reads (backpressure), so `sent` bounds what it read.
        const more = () => {
          while (sent < HUGE && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          if (!res.destroyed) res.end();
        };
        res.on('error', () => undefined);
        more();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      try {
        const file = path.join(dir, `huge-${declared}.json`);
        // Room to read 8 MiB on a loaded machine: the refusal, not the per-request timeout, must end it.
        const cfg = config(file, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '30s');
        const c = new VirtualClock(T0 - DAY);
        const col = createStripeCollector(cfg, { clock: c, env: { SK: fake.apiKey } });
        const before = await runCollector(col, cfg);
        expect(gauge(before, M.paymentProviderUp, { provider: 'stripe' })).toBe(1);
        const committed = readFileSync(file, 'utf8');
        const totals = exportedCounters(before, 'stripe');
        expect(totals.payments.succeeded).toBeGreaterThan(0);

        huge = true;
        c.advance(DAY);
        const { log, lines } = captureLogger();
        const after = await runCollector(col, cfg, log);
        expect(gauge(after, M.paymentProviderUp, { provider: 'stripe' })).toBe(0);
        expect(hugeRequests).toBe(1); // not retried: it would be as large again
        expect(gauge(after, M.paymentProviderRequestsTotal, { provider: 'stripe', endpoint: 'events', code: '200' })).toBe(
          (gauge(before, M.paymentProviderRequestsTotal, { provider: 'stripe', endpoint: 'events', code: '200' }) ?? 0) + 1,
        );
        expect(sent).toBeLessThan(64 * 1024 * 1024);
        expect(exportedCounters(after, 'stripe')).toEqual(totals);
        expect(readFileSync(file, 'utf8')).toBe(committed); // watermark not advanced
        const failures = lines.filter((l) => l.includes('payment provider poll failed'));
        expect(failures).toHaveLength(1);
        const line = JSON.parse(failures[0]!) as { kind: string; err: string };
        expect(line.kind).toBe('too_large');
        expect(line.err).toMatch(/^events: response body over 8388608 bytes, refused$/);
        expect(failures[0]).not.toContain(fake.apiKey);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    },
  );

  test('valid JSON that is not a valid payment is skipped and counted; totals never become NaN', () => {
    const folds = paymentFolds(config(path.join(dir, 'unused.json')));
    const c = new ProviderCounters();
    const ev = (type: string, object: Record<string, unknown>) =>
      ({ id: 'evt', type, created: T0 / 1000, data: { object } }) as unknown as Stripe.Event;
    expect(applyStripeEvent(ev('charge.succeeded', { amount: 1250, currency: 'usd' }), c, new Set(), folds)).toBe(true);
    expect(applyStripeEvent(ev('charge.succeeded', { currency: 'usd' }), c, new Set(), folds)).toBe(false); // amount missing
    expect(applyStripeEvent(ev('charge.succeeded', { amount: '12.50', currency: 'usd' }), c, new Set(), folds)).toBe(false); // amount a string
    expect(applyStripeEvent(ev('charge.failed', { amount: 100, currency: null }), c, new Set(), folds)).toBe(false);
    const pp = (amount: unknown): PayPalTransactionInfo =>
      ({
        transaction_id: 'T',
        transaction_event_code: 'T0006',
        transaction_initiation_date: '2026-11-03T08:00:00+0000',
        transaction_status: 'S',
        transaction_amount: amount,
      }) as PayPalTransactionInfo;
    expect(applyPayPalTransaction(pp({ currency_code: 'USD', value: '10.00' }), c, folds, new RefundLedger())).toBe(true);
    expect(applyPayPalTransaction(pp({ currency_code: 'USD', value: 'ten' }), c, folds, new RefundLedger())).toBe(false);
    expect(applyPayPalTransaction(pp(undefined), c, folds, new RefundLedger())).toBe(false);
    const samples = c.samples('stripe');
    expect(samples.every((s) => Number.isFinite(s.value))).toBe(true);
    expect(gauge(samples, M.paymentProviderRecordsRejectedTotal, { provider: 'stripe' })).toBe(5);
    expect(gauge(samples, M.paymentsTotal, { provider: 'stripe', status: 'succeeded', source: 'provider' })).toBe(2);
    expect(gauge(samples, M.paymentAmountTotal, { provider: 'stripe', currency: 'USD', status: 'succeeded', source: 'provider' })).toBe(
      22.5,
    );
  });
});

describe('state files', () => {
  test('written 0600 with a checksum; a crash between write and rename loses nothing and counts nothing twice', async () => {
    const file = path.join(dir, 'crash.json');
    const cfg = config(file);
    const folds = truthFolds(cfg);
    const c = new VirtualClock(T0 - DAY);
    const first = createStripeCollector(cfg, { clock: c, env: { SK: fake.apiKey } });
    await runCollector(first, cfg);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const committed = readFileSync(file);
    const wmBefore = (JSON.parse(committed.toString()) as { payload: StripePollerState }).payload.watermark!;
    // The next poll writes the new state; then we put the old file back plus the new one as a stray
    // temp file: exactly what a crash after the write and before the rename leaves behind.
    c.advance(DAY);
    await runCollector(first, cfg);
    writeFileSync(path.join(dir, 'crash.json.4242.tmp'), readFileSync(file));
    writeFileSync(file, committed);
    const restarted = createStripeCollector(cfg, { clock: c, env: { SK: fake.apiKey } });
    const s = await runCollector(restarted, cfg);
    const wm = (JSON.parse(readFileSync(file, 'utf8')) as { payload: StripePollerState }).payload.watermark!;
    expect(wm).toBeGreaterThan(wmBefore);
    expect(exportedCounters(s, 'stripe')).toMatchObject(expectedCounters(fake.groundTruth(wm, folds)));
  });

  test.each([
    ['truncated', (t: string) => t.slice(0, t.length / 2)],
    ['hand-edited watermark "abc" (checksum no longer matches)', (t: string) => t.replace(/"watermark":\d+/, '"watermark":"abc"')],
    [
      'legacy plain JSON with watermark "abc"',
      () =>
        JSON.stringify({
          version: 1,
          watermark: 'abc',
          counters: { payments: {}, amounts: {}, failures: {}, payoutsFailed: 0 },
          openDisputes: null,
        }),
    ],
  ])('%s: moved aside, this collector fails once with a one-line reason, then polls afresh and is exact', async (_w, corrupt) => {
    const file = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    const cfg = config(file);
    const c = new VirtualClock(T0);
    await runCollector(createStripeCollector(cfg, { clock: c, env: { SK: fake.apiKey } }), cfg);
    writeFileSync(file, corrupt(readFileSync(file, 'utf8')));
    const { log, lines } = captureLogger();
    const col = createStripeCollector(cfg, { clock: c, env: { SK: fake.apiKey } });
    const err = await runCollector(col, cfg, log).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^state file .* refused \((not JSON|checksum mismatch|format undefined)/);
    expect((err as Error).message).not.toContain('\n');
    expect(lines.filter((l) => l.includes('refused'))).toHaveLength(1);
    expect(readdirSync(dir).some((f) => f.startsWith(path.basename(file)) && f.includes('.refused-'))).toBe(true);
    const s = await runCollector(col, cfg);
    const wm = (JSON.parse(readFileSync(file, 'utf8')) as { payload: StripePollerState }).payload.watermark!;
    expect(exportedCounters(s, 'stripe')).toMatchObject(expectedCounters(fake.groundTruth(wm, truthFolds(cfg))));
  });
});
