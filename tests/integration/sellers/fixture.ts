/**
 * Seller fixture rows for the seller-report tests: planted edge cases (period bounds, refunds of
 * earlier orders, sellers without orders, churned/unapproved sellers, GMV ties, unknown categories
 * and reasons, several currencies) plus seeded random traffic. Rows are kept in memory so tests can
 * compute every expected figure from them without SQL.
 */
import type pg from 'pg';
import { mulberry32 } from '../../../exporter/src/demo/random';

export interface FxSeller {
  id: number;
  applied_at: Date;
  approved_at: Date | null;
  churned_at: Date | null;
  credits_total: number;
  credits_used: number;
}
export interface FxOrder {
  id: number;
  seller_id: number;
  category: string;
  created_at: Date;
  total_amount: number;
  currency: string;
}
export interface FxPayment {
  id: number;
  order_id: number;
  provider: string;
  provider_ref: string | null;
  status: string;
  failure_code: string | null;
  amount: number;
  currency: string;
  created_at: Date;
  succeeded_at: Date | null;
  failed_at: Date | null;
  refunded_at: Date | null;
}
export interface FxRefund {
  id: number;
  payment_id: number;
  amount: number;
  currency: string;
  reason: string;
  created_at: Date;
}
export interface FxReturn {
  id: number;
  order_id: number;
  reason: string;
  created_at: Date;
}
export interface FxReview {
  id: number;
  order_id: number;
  rating: number;
  created_at: Date;
}

export interface Fixture {
  sellers: FxSeller[];
  orders: FxOrder[];
  payments: FxPayment[];
  refunds: FxRefund[];
  returns: FxReturn[];
  reviews: FxReview[];
}

const d = (s: string) => new Date(s);

export function buildFixture(seed = 13): Fixture {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const f: Fixture = { sellers: [], orders: [], payments: [], refunds: [], returns: [], reviews: [] };
  const seller = (id: number, approved: string | null, churned: string | null, total: number, used: number) =>
    f.sellers.push({
      id,
      applied_at: d('2026-01-01T00:00:00Z'),
      approved_at: approved ? d(approved) : null,
      churned_at: churned ? d(churned) : null,
      credits_total: total,
      credits_used: used,
    });
  seller(1, '2026-01-10T00:00:00Z', null, 100, 70); // busy, several currencies
  seller(2, '2026-02-01T00:00:00Z', null, 50, 49); // only a refund of an August order in October
  seller(3, '2026-03-01T00:00:00Z', null, 0, 0); // never sold anything
  seller(4, '2026-01-01T00:00:00Z', '2026-10-15T00:00:00Z', 10, 5); // churned mid-period
  seller(5, null, null, 0, 0); // applicant, never approved: not listed
  seller(6, '2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z', 0, 0); // churned before: not listed
  seller(7, '2026-01-01T00:00:00Z', null, 200, 150); // power seller
  seller(8, '2026-11-05T00:00:00Z', null, 0, 0); // approved after the period: not listed
  seller(9, '2026-01-01T00:00:00Z', null, 30, 1);
  seller(10, '2026-01-01T00:00:00Z', null, 30, 29.5);

  let oid = 0;
  let pid = 0;
  const order = (seller_id: number, at: string | Date, amount: number, currency: string, category = 'books') => {
    const o = { id: ++oid, seller_id, category, created_at: typeof at === 'string' ? d(at) : at, total_amount: amount, currency };
    f.orders.push(o);
    return o;
  };
  const pay = (o: FxOrder, outcome: 'succeeded' | 'failed' | 'pending', at: Date, code: string | null = null, currency = o.currency) => {
    const p: FxPayment = {
      id: ++pid,
      order_id: o.id,
      provider: pick(['stripe', 'paypal']),
      provider_ref: outcome === 'pending' ? null : `ref_${pid}`,
      status: outcome,
      failure_code: outcome === 'failed' ? (code ?? 'card_declined') : null,
      amount: o.total_amount,
      currency,
      created_at: o.created_at,
      succeeded_at: outcome === 'succeeded' ? at : null,
      failed_at: outcome === 'failed' ? at : null,
      refunded_at: null,
    };
    f.payments.push(p);
    return p;
  };
  const refund = (p: FxPayment, amount: number, at: string | Date, reason: string) => {
    f.refunds.push({
      id: f.refunds.length + 1,
      payment_id: p.id,
      amount,
      currency: p.currency,
      reason,
      created_at: typeof at === 'string' ? d(at) : at,
    });
    p.status = 'refunded';
    p.refunded_at ??= typeof at === 'string' ? d(at) : at;
  };

  // Period bounds: exactly at the start counts, exactly at the end does not.
  const first = order(1, '2026-10-01T00:00:00Z', 10.5, 'EUR');
  pay(first, 'succeeded', d('2026-10-01T00:00:00Z'));
  order(1, '2026-11-01T00:00:00Z', 99.99, 'EUR');
  order(1, '2026-09-30T23:59:59.999Z', 42, 'EUR');
  // Unknown category and reasons are counted like any other.
  const odd = order(1, '2026-10-05T10:00:00Z', 77.25, 'USD', 'never-heard-of-it');
  refund(pay(odd, 'succeeded', d('2026-10-05T10:01:00Z')), 20, '2026-10-06T00:00:00Z', 'a-brand-new-reason');
  f.returns.push({ id: 1, order_id: odd.id, reason: 'mystery', created_at: d('2026-10-07T00:00:00Z') });
  // A payment in another currency than its order (refund follows the payment's currency).
  const fx = order(1, '2026-10-08T10:00:00Z', 50, 'EUR');
  refund(pay(fx, 'succeeded', d('2026-10-08T10:00:05Z'), null, 'CHF'), 50, '2026-10-09T00:00:00Z', 'damaged');
  // Seller 2: an August order refunded and returned in October (earlier order), reviewed in October.
  const old = order(2, '2026-08-20T12:00:00Z', 30, 'EUR');
  refund(pay(old, 'succeeded', d('2026-08-20T12:00:10Z')), 30, '2026-10-03T00:00:00Z', 'not_as_described');
  f.returns.push({ id: 2, order_id: old.id, reason: 'not_as_described', created_at: d('2026-10-02T00:00:00Z') });
  f.reviews.push({ id: 1, order_id: old.id, rating: 2, created_at: d('2026-10-04T00:00:00Z') });
  // Seller 4: orders before churning; a payment failing on the period's last millisecond.
  const s4 = order(4, '2026-10-10T00:00:00Z', 15, 'GBP', 'garden');
  pay(s4, 'failed', d('2026-10-31T23:59:59.999Z'), 'insufficient_funds');
  // GMV tie between sellers 9 and 10 in JPY.
  order(9, '2026-10-12T00:00:00Z', 60, 'JPY');
  order(10, '2026-10-13T00:00:00Z', 25, 'JPY');
  order(10, '2026-10-14T00:00:00Z', 35, 'JPY');

  // Random traffic around the period (August to mid November).
  const from = d('2026-08-01T00:00:00Z').getTime();
  const to = d('2026-11-15T00:00:00Z').getTime();
  const cats = ['books', 'electronics', 'garden', 'toys', 'unlisted-category'];
  const reasons = ['damaged', 'not_as_described', 'late', 'changed_mind', 'zz-unknown'];
  for (let i = 0; i < 400; i++) {
    const sid = pick([1, 1, 4, 7, 7, 7, 9, 10]);
    const at = new Date(from + Math.floor(rnd() * (to - from)));
    if (sid === 4 && at >= d('2026-10-15T00:00:00Z')) continue;
    const o = order(sid, at, Math.round(rnd() * 50000) / 100, pick(['EUR', 'EUR', 'USD', 'GBP']), pick(cats));
    const r = rnd();
    const settle = new Date(at.getTime() + Math.floor(rnd() * 3 * 86_400_000));
    const p = pay(
      o,
      r < 0.75 ? 'succeeded' : r < 0.92 ? 'failed' : 'pending',
      settle,
      pick(['card_declined', 'expired_card', null, 'weird_code']),
    );
    if (p.status === 'failed' && rnd() < 0.5) pay(o, 'succeeded', new Date(settle.getTime() + 60_000));
    if (p.status === 'succeeded' && rnd() < 0.15)
      refund(p, Math.round(p.amount * rnd() * 100) / 100, new Date(settle.getTime() + Math.floor(rnd() * 20 * 86_400_000)), pick(reasons));
    if (rnd() < 0.08)
      f.returns.push({
        id: f.returns.length + 1,
        order_id: o.id,
        reason: pick(reasons),
        created_at: new Date(at.getTime() + Math.floor(rnd() * 15 * 86_400_000)),
      });
    if (rnd() < 0.3)
      f.reviews.push({
        id: f.reviews.length + 1,
        order_id: o.id,
        rating: 1 + Math.floor(rnd() * 5),
        created_at: new Date(at.getTime() + Math.floor(rnd() * 10 * 86_400_000)),
      });
  }
  // Power seller: 25 orders in the last 30 days of October.
  for (let i = 0; i < 25; i++) order(7, new Date(d('2026-10-05T00:00:00Z').getTime() + i * 86_400_000), 12, 'EUR', 'toys');
  return f;
}

async function insert(pool: pg.Pool, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    const cols = Object.keys(chunk[0]!);
    const params: unknown[] = [];
    const values = chunk.map((r) => `(${cols.map((c) => `$${params.push(r[c])}`).join(',')})`);
    await pool.query(`INSERT INTO ${table} (${cols.join(',')}) VALUES ${values.join(',')}`, params);
  }
}

export async function loadFixture(pool: pg.Pool, f: Fixture): Promise<void> {
  await insert(pool, 'users', [{ id: 1, created_at: d('2026-01-01T00:00:00Z') }]);
  await insert(pool, 'sellers', f.sellers as unknown as Record<string, unknown>[]);
  await insert(
    pool,
    'orders',
    f.orders.map((o) => ({ ...o, user_id: 1, status: 'paid' })),
  );
  await insert(
    pool,
    'payments',
    f.payments.map((p) => ({ ...p, updated_at: p.refunded_at ?? p.succeeded_at ?? p.failed_at ?? p.created_at })),
  );
  if (f.refunds.length) await insert(pool, 'refunds', f.refunds as unknown as Record<string, unknown>[]);
  if (f.returns.length) await insert(pool, 'returns', f.returns as unknown as Record<string, unknown>[]);
  if (f.reviews.length) await insert(pool, 'reviews', f.reviews as unknown as Record<string, unknown>[]);
  // Explicit ids leave the sequences behind; later inserts use them.
  for (const t of ['users', 'sellers', 'orders', 'payments', 'refunds', 'returns', 'reviews']) {
    await pool.query(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), greatest((SELECT max(id) FROM ${t}), 1))`);
  }
}

/** A login role that can only read (the exporter's read-only role), for this test database. */
export async function readOnlyRole(pool: pg.Pool, dbName: string, url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const role = `${dbName}_ro`;
  await pool.query(`CREATE ROLE ${role} LOGIN PASSWORD 'ro'`);
  await pool.query(`GRANT CONNECT ON DATABASE ${dbName} TO ${role}`);
  await pool.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await pool.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
  const u = new URL(url);
  u.username = role;
  u.password = 'ro';
  return {
    url: u.toString(),
    async drop() {
      await pool.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
      await pool.query(`REVOKE ALL ON SCHEMA public FROM ${role}`);
      await pool.query(`REVOKE ALL ON DATABASE ${dbName} FROM ${role}`);
      await pool.query(`DROP ROLE ${role}`);
    },
  };
}
