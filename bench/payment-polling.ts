/**
 * Benchmark: polling 100k provider transactions from the fakes (Stripe through the real SDK,
 * PayPal over fetch), then a steady-state poll with no new data.
 * Run: npx tsx bench/payment-polling.ts [count]
 */
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../exporter/src/config/load';
import { createStripeCollector } from '../exporter/src/collectors/stripe';
import { createPayPalCollector } from '../exporter/src/collectors/paypal';
import { createLogger } from '../exporter/src/runtime/logger';
import { StripeFake } from '../exporter/src/demo/fakes/stripe-fake';
import { PayPalFake } from '../exporter/src/demo/fakes/paypal-fake';
import { generatePayments } from '../exporter/src/demo/fakes/payment-stream';

const COUNT = Number(process.argv[2] ?? 100_000);

async function main() {
  const nowS = Math.floor(Date.now() / 1000);
  const stripe = await new StripeFake().start();
  const paypal = await new PayPalFake().start();
  stripe.addPayments(
    generatePayments({ seed: 1, count: COUNT, from: nowS - 29 * 86_400, to: nowS - 60, refundedShare: 0, disputedShare: 0 }),
  );
  paypal.addPayments(
    generatePayments({
      seed: 2,
      count: COUNT,
      from: nowS - 29 * 86_400,
      to: nowS - 60,
      refundedShare: 0,
      disputedShare: 0,
      idPrefix: 'PP',
    }),
  );
  const env = { SK: stripe.apiKey, PID: paypal.clientId, PSEC: paypal.clientSecret };
  const config = parseConfig(
    {
      payment_providers: {
        // A generous budget: the benchmark measures polling cost, not the rate limit.
        stripe: { enabled: true, api_key: { env: 'SK' }, base_url: stripe.url, settle_lag: 0, requests_per_minute: 100_000 },
        paypal: {
          enabled: true,
          client_id: { env: 'PID' },
          client_secret: { env: 'PSEC' },
          base_url: paypal.url,
          settle_lag: 0,
          requests_per_minute: 100_000,
        },
      },
      // One cycle may catch up the whole backlog: the benchmark measures polling cost, not the cycle cap.
      collectors: { stripe: { timeout: '1h' }, paypal: { timeout: '1h' } },
    },
    { env },
  );
  const log = createLogger('warn');
  const ctx = { db: { query: () => Promise.reject(new Error('no database')) }, config, log, signal: new AbortController().signal };
  const rows: string[][] = [];
  for (const [name, collector, fake] of [
    ['stripe (SDK, /v1/events)', createStripeCollector(config, { env }), stripe],
    ['paypal (/v1/reporting/transactions)', createPayPalCollector(config, { env }), paypal],
  ] as const) {
    const r0 = fake.faults.requests.length;
    const t0 = performance.now();
    await collector.collect(ctx);
    const full = performance.now() - t0;
    const r1 = fake.faults.requests.length;
    await new Promise((r) => setTimeout(r, 1100)); // let the window move past the last second
    const t1 = performance.now();
    await collector.collect(ctx);
    const steady = performance.now() - t1;
    const steadyPaths = fake.faults.requests.slice(r1).map((r) => r.path.replace(/^\/v1\//, ''));
    rows.push([
      name,
      String(COUNT),
      `${(full / 1000).toFixed(2)} s`,
      String(r1 - r0),
      `${steady.toFixed(1)} ms`,
      `${steadyPaths.length} (${steadyPaths.join(', ')})`,
    ]);
  }
  const head = ['provider', 'transactions', 'first poll wall time', 'first poll requests', 'steady poll wall time', 'steady poll requests'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  await stripe.stop();
  await paypal.stop();
}

void main();
