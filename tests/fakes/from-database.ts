/**
 * Feeds the fakes from the marketplace database's payments rows, so that provider metrics and the
 * database agree (the demo does this), optionally with a few deliberate mismatches of every kind
 * that reconciliation must report.
 */
import type pg from 'pg';
import type { FakePayment } from './payment-stream';
import type { StripeFake } from './stripe-fake';
import type { PayPalFake } from './paypal-fake';

export type MismatchKind = 'missing_in_db' | 'missing_at_provider' | 'status_differs' | 'amount_differs';

export const PAYMENT_ROWS_SQL = `
  SELECT provider, provider_ref, status, failure_code, amount, currency,
         extract(epoch FROM coalesce(succeeded_at, failed_at, created_at))::bigint AS created,
         extract(epoch FROM refunded_at)::bigint AS refunded_at,
         extract(epoch FROM disputed_at)::bigint AS disputed_at
    FROM payments
   WHERE provider_ref IS NOT NULL AND provider = $1
   ORDER BY created`;

function toFake(r: Record<string, unknown>): FakePayment {
  const currency = String(r.currency).trim().toUpperCase();
  const minor = currency === 'JPY' ? Math.round(Number(r.amount)) : Math.round(Number(r.amount) * 100);
  const status = r.status === 'failed' ? 'failed' : r.status === 'pending' ? 'pending' : 'succeeded';
  const p: FakePayment = { id: String(r.provider_ref), created: Number(r.created), amountMinor: minor, currency, status, failureCode: (r.failure_code as string | null) ?? null };
  if (r.refunded_at !== null) p.refundedAt = Number(r.refunded_at);
  if (r.disputed_at !== null) p.disputedAt = Number(r.disputed_at);
  return p;
}

/**
 * Loads one provider's rows into its fake. With `plant`, changes the provider's view so that each
 * mismatch kind occurs exactly once among settled succeeded payments, and returns what was planted.
 */
export async function feedFakeFromDatabase(pool: pg.Pool, provider: 'stripe' | 'paypal', fake: StripeFake | PayPalFake, opts: { plant?: boolean } = {}): Promise<{ kind: MismatchKind; ref: string }[]> {
  const rows = (await pool.query(PAYMENT_ROWS_SQL, [provider])).rows;
  const payments = rows.map(toFake);
  const planted: { kind: MismatchKind; ref: string }[] = [];
  if (opts.plant) {
    const plain = payments.filter((p) => p.status === 'succeeded' && p.refundedAt === undefined && p.disputedAt === undefined);
    if (plain.length < 4) throw new Error('need at least 4 succeeded payments to plant mismatches');
    const [gone, failed, pricier, template] = plain.slice(-4) as [FakePayment, FakePayment, FakePayment, FakePayment];
    payments.splice(payments.indexOf(gone), 1);
    planted.push({ kind: 'missing_at_provider', ref: gone.id });
    failed.status = 'failed';
    failed.failureCode = 'card_declined';
    planted.push({ kind: 'status_differs', ref: failed.id });
    pricier.amountMinor += 100;
    planted.push({ kind: 'amount_differs', ref: pricier.id });
    const extra: FakePayment = { ...template, id: `${template.id}-unrecorded`, created: template.created + 1 };
    payments.push(extra);
    planted.push({ kind: 'missing_in_db', ref: extra.id });
    payments.sort((a, b) => a.created - b.created);
  }
  fake.addPayments(payments);
  return planted;
}
