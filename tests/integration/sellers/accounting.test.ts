/**
 * Accounting exports: the seller list and the transaction log equal what the fixture rows say, and
 * the export streams (memory bounded by the batch, not by the row count).
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runCli } from '../../../reports/cli';
import { exportTransactionLog, type StreamStats } from '../../../reports/sellers/accounting';
import { reportsPool } from '../../../reports/sellers/data';
import { monthlyPeriod } from '../../../reports/periods';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { buildFixture, loadFixture, readOnlyRole, type Fixture } from './fixture';

const START = new Date('2026-10-01T00:00:00Z');
const END = new Date('2026-11-01T00:00:00Z');
const inP = (t: Date | null) => t !== null && t >= START && t < END;
const iso = (t: Date | null) => (t ? t.toISOString() : '');

function expectedSellerList(f: Fixture): string {
  const day = 86_400_000;
  const lines = ['seller_id,applied_at,approved_at,churned_at,credits_total,credits_used,orders,segment,active'];
  for (const s of [...f.sellers].sort((a, b) => a.id - b.id)) {
    const n = (days: number) =>
      f.orders.filter((o) => o.seller_id === s.id && o.created_at >= new Date(END.getTime() - days * day) && o.created_at < END).length;
    const segment =
      s.churned_at && s.churned_at < END
        ? 'churned'
        : !s.approved_at || s.approved_at >= END
          ? 'applicant'
          : n(90) === 0
            ? 'dormant'
            : n(30) >= 20
              ? 'power'
              : n(30) >= 5
                ? 'active'
                : 'occasional';
    const active = s.approved_at !== null && s.approved_at < END && (s.churned_at === null || s.churned_at >= END);
    const orders = f.orders.filter((o) => o.seller_id === s.id && inP(o.created_at)).length;
    lines.push(
      [
        s.id,
        iso(s.applied_at),
        iso(s.approved_at),
        iso(s.churned_at),
        s.credits_total.toFixed(2),
        s.credits_used.toFixed(2),
        orders,
        segment,
        active,
      ].join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

function expectedTransactions(f: Fixture): string {
  const orderOf = new Map(f.orders.map((o) => [o.id, o]));
  const events: { id: number; status: string; at: Date; line: string }[] = [];
  for (const p of f.payments) {
    for (const [status, at] of [
      ['succeeded', p.succeeded_at],
      ['failed', p.failed_at],
      ['refunded', p.refunded_at],
    ] as const) {
      if (!inP(at)) continue;
      events.push({
        id: p.id,
        status,
        at: at!,
        line: [
          p.id,
          p.provider,
          p.provider_ref ?? '',
          status,
          iso(at),
          p.amount.toFixed(2),
          p.currency,
          p.order_id,
          orderOf.get(p.order_id)!.seller_id,
        ].join(','),
      });
    }
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id || a.status.localeCompare(b.status));
  return (
    ['payment_id,provider,provider_ref,status,status_at,amount,currency,order_id,seller_id', ...events.map((e) => e.line)].join('\r\n') +
    '\r\n'
  );
}

let db: TestDatabase;
let ro: Awaited<ReturnType<typeof readOnlyRole>>;
let out: string;
const fixture = buildFixture(7);

beforeAll(async () => {
  db = await createTestDatabase('pulse_accounting');
  await loadFixture(db.pool, fixture);
  // Bulk payments in 2025 for the streaming test: 3,000 in February, 100,000 in March. The large file
  // (≈ 7.5 MB) must dwarf what V8 itself retains between two samples (0.2–0.7 MB measured, whatever
  // the row count): with 30,000 rows (2.3 MB) that noise alone came near the bound below.
  for (const [month, n] of [
    ['2025-02', 3000],
    ['2025-03', 100000],
  ] as const) {
    await db.pool.query(
      `WITH o AS (INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency)
                  SELECT 1, 1 + i % 10, 'books', $1::timestamptz + (i || ' seconds')::interval, 'paid', 10 + i % 90, 'EUR' FROM generate_series(1, $2) i RETURNING id, created_at)
       INSERT INTO payments (order_id, provider, provider_ref, status, amount, currency, created_at, updated_at, succeeded_at)
       SELECT id, 'stripe', 'ch_' || id, 'succeeded', 10, 'EUR', created_at, created_at, created_at FROM o`,
      [`${month}-01T00:00:00Z`, n],
    );
  }
  ro = await readOnlyRole(db.pool, db.name, db.url);
  out = await mkdtemp(path.join(os.tmpdir(), 'pulse-accounting-'));
}, 120_000);

afterAll(async () => {
  await ro?.drop();
  await db?.drop();
  if (out) await rm(out, { recursive: true, force: true });
});

test('seller list and transaction log equal the fixture rows of the period', async () => {
  const files = await runCli(['--type', 'accounting', '--period', '2026-10', '--out', out, '--database-url', ro.url]);
  expect(files).toEqual([path.join(out, 'seller-list-2026-10.csv'), path.join(out, 'transactions-2026-10.csv')]);
  expect(await readFile(files[0]!, 'utf8')).toBe(expectedSellerList(fixture));
  const log = await readFile(files[1]!, 'utf8');
  expect(log).toBe(expectedTransactions(fixture));
  // The payment succeeding on the period's first instant is in; refunds show as their own line.
  expect(log).toContain(',succeeded,2026-10-01T00:00:00.000Z,10.50,EUR,');
  expect(log.split('\r\n').filter((l) => l.includes(',refunded,')).length).toBeGreaterThan(3);
});

/** Heap still reachable after a full collection (v8's gc exposed at run time for the measurement). */
function retainedHeap(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

test('the transaction log streams: batches never exceed the fetch size and retained memory does not grow with the rows', async () => {
  const pool = reportsPool({ url: ro.url, timeout: 120, application_name: 'pulse-test' });
  try {
    const run = async (month: string) => {
      const samples: number[] = [];
      const file = path.join(out, `stream-${month}.csv`);
      const stats: StreamStats = await exportTransactionLog({
        pool,
        timeoutSeconds: 120,
        period: monthlyPeriod(month, 'UTC'),
        file,
        fetchSize: 500,
        onBatch: (s) => {
          if (s.batches % 5 === 0) samples.push(retainedHeap());
        },
      });
      return { stats, samples, bytes: (await stat(file)).size };
    };
    const small = await run('2025-02');
    const large = await run('2025-03');
    expect(small.stats).toEqual({ rows: 3000, batches: 6, largestBatch: 500 });
    expect(large.stats).toEqual({ rows: 100000, batches: 200, largestBatch: 500 });
    // A third of a hundred times the rows, as many times the file…
    expect(large.bytes / small.bytes).toBeGreaterThan(30);
    // …but the heap retained between the first and the last sampled batch grows by a small fraction of
    // what was written (a buffering export would retain at least the whole file).
    const growth = Math.max(...large.samples) - large.samples[0]!;
    expect(growth / large.bytes).toBeLessThan(0.25);
  } finally {
    await pool.end();
  }
}, 120_000);
