/**
 * The scorecard CSV against ground truth: every column of every row recomputed here from the fixture
 * rows (no SQL), read through a login role that can only SELECT.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../reports/cli';
import { DEFAULT_SELLER_THRESHOLDS, readSellers } from '../../../reports/sellers/data';
import { fetchScorecardSet } from '../../../reports/sellers/scorecards';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { buildFixture, loadFixture, readOnlyRole, type Fixture } from './fixture';

const START = new Date('2026-10-01T00:00:00Z');
const END = new Date('2026-11-01T00:00:00Z');
const inP = (t: Date | null) => t !== null && t >= START && t < END;

/** The expected CSV, computed from the fixture rows by direct iteration. */
function expectedCsv(f: Fixture): string {
  const orderOf = new Map(f.orders.map((o) => [o.id, o]));
  const paymentOf = new Map(f.payments.map((p) => [p.id, p]));
  type Acc = {
    orders: number;
    gmvCents: number;
    refunds: number;
    returns: number;
    reviews: number;
    ratingSum: number;
    ok: number;
    failed: number;
  };
  const acc = new Map<string, Acc>();
  const at = (seller: number, currency: string) => {
    const k = `${seller}|${currency}`;
    if (!acc.has(k)) acc.set(k, { orders: 0, gmvCents: 0, refunds: 0, returns: 0, reviews: 0, ratingSum: 0, ok: 0, failed: 0 });
    return acc.get(k)!;
  };
  for (const o of f.orders)
    if (inP(o.created_at)) {
      const a = at(o.seller_id, o.currency);
      a.orders++;
      a.gmvCents += Math.round(o.total_amount * 100);
    }
  for (const r of f.refunds) if (inP(r.created_at)) at(orderOf.get(paymentOf.get(r.payment_id)!.order_id)!.seller_id, r.currency).refunds++;
  for (const r of f.returns) if (inP(r.created_at)) at(orderOf.get(r.order_id)!.seller_id, orderOf.get(r.order_id)!.currency).returns++;
  for (const r of f.reviews) {
    if (!inP(r.created_at)) continue;
    const a = at(orderOf.get(r.order_id)!.seller_id, orderOf.get(r.order_id)!.currency);
    a.reviews++;
    a.ratingSum += r.rating;
  }
  for (const p of f.payments) {
    const s = orderOf.get(p.order_id)!.seller_id;
    if (inP(p.succeeded_at)) at(s, p.currency).ok++;
    if (inP(p.failed_at)) at(s, p.currency).failed++;
  }
  const day = 86_400_000;
  const segment = (id: number) => {
    const s = f.sellers.find((x) => x.id === id)!;
    if (s.churned_at && s.churned_at < END) return 'churned';
    const n = (days: number) =>
      f.orders.filter((o) => o.seller_id === id && o.created_at >= new Date(END.getTime() - days * day) && o.created_at < END).length;
    if (n(90) === 0) return 'dormant';
    return n(30) >= 20 ? 'power' : n(30) >= 5 ? 'active' : 'occasional';
  };
  const rank = (currency: string, gmvCents: number) =>
    1 + [...acc.entries()].filter(([k, a]) => k.endsWith(`|${currency}`) && a.orders > 0 && a.gmvCents > gmvCents).length;
  const rate = (n: number, d: number) => (d > 0 ? (n / d).toFixed(4) : '');
  const listed = f.sellers.filter(
    (s) =>
      (s.approved_at !== null && s.approved_at < END && (s.churned_at === null || s.churned_at >= START)) ||
      [...acc.keys()].some((k) => k.startsWith(`${s.id}|`)),
  );
  const lines = [
    'seller_id,currency,orders,gmv,aov,refunds,refund_rate,returns,return_rate,avg_rating,reviews,payment_failure_rate,credits_total,credits_used,segment,rank_gmv',
  ];
  for (const s of listed.sort((a, b) => a.id - b.id)) {
    const credits = `${s.credits_total.toFixed(2)},${s.credits_used.toFixed(2)},${segment(s.id)}`;
    const mine = [...acc.entries()].filter(([k]) => k.startsWith(`${s.id}|`)).sort(([a], [b]) => a.localeCompare(b));
    if (!mine.length) lines.push(`${s.id},,0,0.00,,0,,0,,,0,,${credits},`);
    for (const [k, a] of mine) {
      const currency = k.split('|')[1]!;
      lines.push(
        [
          s.id,
          currency,
          a.orders,
          (a.gmvCents / 100).toFixed(2),
          a.orders ? (a.gmvCents / 100 / a.orders).toFixed(2) : '',
          a.refunds,
          rate(a.refunds, a.orders),
          a.returns,
          rate(a.returns, a.orders),
          a.reviews ? (a.ratingSum / a.reviews).toFixed(2) : '',
          a.reviews,
          rate(a.failed, a.ok + a.failed),
          credits,
          a.orders ? rank(currency, a.gmvCents) : '',
        ].join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

let db: TestDatabase;
let ro: Awaited<ReturnType<typeof readOnlyRole>>;
let out: string;
const fixture = buildFixture();

beforeAll(async () => {
  db = await createTestDatabase('pulse_sellers');
  await loadFixture(db.pool, fixture);
  ro = await readOnlyRole(db.pool, db.name, db.url);
  out = await mkdtemp(path.join(os.tmpdir(), 'pulse-sellers-'));
}, 60_000);

afterAll(async () => {
  await ro?.drop();
  await db?.drop();
  if (out) await rm(out, { recursive: true, force: true });
});

test('scorecard CSV: every column of every row equals the figures recomputed from the fixture rows', async () => {
  const files = await runCli(['--type', 'sellers', '--period', '2026-10', '--out', out, '--database-url', ro.url, '--no-pdf']);
  const csv = await readFile(path.join(out, 'sellers-2026-10.csv'), 'utf8');
  expect(files).toContain(path.join(out, 'sellers-2026-10.csv'));
  expect(csv).toBe(expectedCsv(fixture));
});

test('the fixture exercises the edge cases the CSV must get right', async () => {
  const csv = await readFile(path.join(out, 'sellers-2026-10.csv'), 'utf8');
  const rows = csv
    .trim()
    .split('\r\n')
    .map((l) => l.split(','));
  const of = (id: number, currency: string) => rows.find((r) => r[0] === String(id) && r[1] === currency);
  // Listed: live sellers and those with activity; the applicant, the long-churned and the future seller are not.
  expect([...new Set(rows.slice(1).map((r) => r[0]))]).toEqual(['1', '2', '3', '4', '7', '9', '10']);
  // A seller with no activity: one row, zeros, empty rates and rating (never 0), dormant.
  expect(of(3, '')).toEqual(['3', '', '0', '0.00', '', '0', '', '0', '', '', '0', '', '0.00', '0.00', 'dormant', '']);
  // Refund, return and review in October of an August order: counted, rates empty (no orders), not ranked.
  expect(of(2, 'EUR')).toEqual(['2', 'EUR', '0', '0.00', '', '1', '', '1', '', '2.00', '1', '', '50.00', '49.00', 'occasional', '']);
  // A refund in the payment's own currency (CHF) on a EUR order.
  expect(of(1, 'CHF')?.[5]).toBe('1');
  expect(of(4, 'GBP')?.[14]).toBe('churned');
  expect(of(7, 'EUR')?.[14]).toBe('power');
  // The GMV tie shares a rank.
  expect(of(9, 'JPY')?.[15]).toBe('1');
  expect(of(10, 'JPY')?.[15]).toBe('1');
});

test('a bad period or a missing database is a one-line error', async () => {
  await expect(runCli(['--type', 'sellers', '--period', '2026-13', '--out', out, '--database-url', ro.url])).rejects.toThrow(
    /^monthly period must look like 2026-10, got "2026-13"$/,
  );
  const env = { ...process.env };
  delete process.env.DATABASE_URL;
  delete process.env.REPORTS_CONFIG;
  try {
    await expect(runCli(['--type', 'sellers', '--period', '2026-10', '--out', out])).rejects.toThrow(/need the marketplace database/);
  } finally {
    process.env = env;
  }
});

function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

test('PDF scorecards: one per listed seller, with the month, the previous month, the marketplace median, reasons, credits and recommendations', async () => {
  const pdfOut = path.join(out, 'with-pdf');
  const files = await runCli(['--type', 'sellers', '--period', '2026-10', '--out', pdfOut, '--database-url', ro.url]);
  expect(
    files
      .filter((f) => f.endsWith('.pdf'))
      .map((f) => path.basename(f))
      .sort(),
  ).toEqual(['1.pdf', '10.pdf', '2.pdf', '3.pdf', '4.pdf', '7.pdf', '9.pdf']);
  // The same snapshot wrote the CSV too.
  expect(await readFile(path.join(pdfOut, 'sellers-2026-10.csv'), 'utf8')).toBe(expectedCsv(fixture));

  const inMonth = (id: number, from: Date, to: Date) =>
    fixture.orders.filter((o) => o.seller_id === id && o.created_at >= from && o.created_at < to).length;
  const text = pdfText(path.join(pdfOut, 'sellers', '1.pdf'));
  expect(text).toContain('Seller 1 — October 2026');
  expect(text).toContain('Segment: ');
  const ordersLine = text.split('\n').find((l) => /^\s*Orders\s/.test(l))!;
  const nums = ordersLine.trim().split(/\s+/);
  expect(nums[1]).toBe(String(inMonth(1, START, END)));
  expect(nums[2]).toBe(String(inMonth(1, new Date('2026-09-01T00:00:00Z'), START)));
  // Marketplace median of orders over the live sellers (1, 2, 3, 7, 9, 10; 4 churned), from the rows.
  const peers = [1, 2, 3, 7, 9, 10].map((id) => inMonth(id, START, END)).sort((a, b) => a - b);
  expect(nums[3]).toBe(String((peers[2]! + peers[3]!) / 2));
  // Unknown reasons are listed as they are; credit usage against the ideal; a recommendation.
  expect(text).toContain('a-brand-new-reason');
  expect(text).toContain('70.00 of 100.00 credits used (70.0 %): within the ideal (ideal 60–80 %)');
  expect(text).toMatch(/Recommendations/);

  // Seller 2: 49 of 50 credits used (2 % left) → the low-credit recommendation; seller 3 dormant.
  expect(pdfText(path.join(pdfOut, 'sellers', '2.pdf')).replace(/\s+/g, ' ')).toContain('Only 2.0 % of your listing credits are left');
  expect(pdfText(path.join(pdfOut, 'sellers', '3.pdf')).replace(/\s+/g, ' ')).toContain('No order in the last 90 days');
});

test('the 12-month trend (streamed through a cursor) holds the orders of each month and GMV per currency, from the rows', async () => {
  const set = await readSellers(db.pool, 60, (d) => fetchScorecardSet(d, '2026-10', 'UTC', DEFAULT_SELLER_THRESHOLDS));
  expect(set.months).toEqual(['2025-11', '2025-12', ...Array.from({ length: 10 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`)]);
  const ids = [...new Set(fixture.orders.map((o) => o.seller_id))];
  let compared = 0;
  for (const id of ids) {
    for (const [i, m] of set.months.entries()) {
      const from = new Date(`${m}-01T00:00:00Z`);
      const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
      const rows = fixture.orders.filter((o) => o.seller_id === id && o.created_at >= from && o.created_at < to);
      expect({ id, m, orders: set.trend.get(id)?.orders[i] ?? 0 }).toEqual({ id, m, orders: rows.length });
      for (const c of new Set(rows.map((o) => o.currency))) {
        const gmv = rows.filter((o) => o.currency === c).reduce((n, o) => n + o.total_amount, 0);
        expect(Math.abs((set.trend.get(id)?.gmv.get(c)?.[i] ?? Number.NaN) - gmv)).toBeLessThan(1e-6);
        compared++;
      }
    }
  }
  // Months with orders in two currencies and in earlier months are part of the comparison.
  expect(compared).toBeGreaterThan(ids.length);
});
