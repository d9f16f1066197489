/**
 * Feeds the provider fakes from the marketplace database's payments rows, so that provider metrics
 * and the database agree (the demo does this), optionally with a few deliberate mismatches of every
 * kind that reconciliation must report. Feeding is incremental: each feed reads the rows whose
 * `updated_at` moved past the previous feed's (with an overlap, for transactions that commit late),
 * and the fakes apply rows idempotently, so new and changed payments arrive once.
 */
import type pg from 'pg';
import type { FakePayment } from './payment-stream';
import { majorToMinor } from '../../payments/money';

export type MismatchKind = 'missing_in_db' | 'missing_at_provider' | 'status_differs' | 'amount_differs';

export interface PlantedMismatch {
  kind: MismatchKind;
  ref: string;
}

/** What a feed needs of a fake (both the Stripe and the PayPal fake have it). */
export interface FeedableFake {
  upsertPayments(ps: readonly FakePayment[]): number;
}

/** A payment's event time is its settlement (or failure); the row's updated_at drives the feed. */
export const PAYMENT_ROWS_SQL = `
  SELECT provider_ref, status, failure_code, amount, currency,
         floor(extract(epoch FROM coalesce(succeeded_at, failed_at, created_at)))::bigint AS created,
         floor(extract(epoch FROM refunded_at))::bigint AS refunded_at,
         floor(extract(epoch FROM disputed_at))::bigint AS disputed_at,
         to_json(updated_at) #>> '{}' AS updated_at
    FROM payments
   WHERE provider_ref IS NOT NULL AND provider = $1
     AND updated_at > $2::timestamptz - make_interval(secs => $3::double precision)
   ORDER BY updated_at, id`;

/** Re-reading this much before the previous feed's newest row catches rows committed late. */
const DEFAULT_OVERLAP_SECONDS = 120;

function toFake(r: Record<string, unknown>): FakePayment {
  const currency = String(r.currency).trim().toUpperCase();
  const minor = majorToMinor(Number(r.amount), currency);
  const status = r.status === 'failed' ? 'failed' : r.status === 'pending' ? 'pending' : 'succeeded';
  const p: FakePayment = {
    id: String(r.provider_ref),
    created: Number(r.created),
    amountMinor: minor,
    currency,
    status,
    failureCode: (r.failure_code as string | null) ?? null,
  };
  if (r.refunded_at !== null) p.refundedAt = Number(r.refunded_at);
  if (r.disputed_at !== null) p.disputedAt = Number(r.disputed_at);
  return p;
}

export interface FeedOptions {
  /** Plant one mismatch of each kind among the first settled succeeded payments fed. */
  plant?: boolean;
  overlapSeconds?: number;
}

export class DatabaseFeed {
  readonly planted: PlantedMismatch[] = [];
  /** Rows whose provider view was altered on purpose: later database changes to them are not fed. */
  private readonly frozen = new Set<string>();
  private since = '-infinity';

  constructor(
    private readonly pool: pg.Pool,
    readonly provider: 'stripe' | 'paypal',
    private readonly fake: FeedableFake,
    private readonly opts: FeedOptions = {},
  ) {}

  /** Feeds rows changed since the previous feed; returns how many payments were added or changed. */
  async feed(): Promise<number> {
    const { rows } = await this.pool.query(PAYMENT_ROWS_SQL, [
      this.provider,
      this.since,
      this.opts.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS,
    ]);
    const payments = rows.filter((r) => !this.frozen.has(String(r.provider_ref))).map(toFake);
    if (this.opts.plant && this.planted.length === 0) this.plant(payments);
    const n = this.fake.upsertPayments(payments);
    if (rows.length) this.since = String(rows[rows.length - 1]!.updated_at);
    return n;
  }

  /** One mismatch of each kind among the newest plain succeeded payments, if there are enough yet. */
  private plant(payments: FakePayment[]): void {
    const plain = payments.filter((p) => p.status === 'succeeded' && p.refundedAt === undefined && p.disputedAt === undefined);
    if (plain.length < 4) return;
    const [gone, failed, pricier, template] = plain.slice(-4) as [FakePayment, FakePayment, FakePayment, FakePayment];
    payments.splice(payments.indexOf(gone), 1);
    failed.status = 'failed';
    failed.failureCode = 'card_declined';
    pricier.amountMinor += 100;
    const extra: FakePayment = { ...template, id: `${template.id}-unrecorded`, created: template.created + 1 };
    payments.push(extra);
    this.planted.push(
      { kind: 'missing_at_provider', ref: gone.id },
      { kind: 'status_differs', ref: failed.id },
      { kind: 'amount_differs', ref: pricier.id },
      { kind: 'missing_in_db', ref: extra.id },
    );
    for (const p of [gone, failed, pricier]) this.frozen.add(p.id);
  }
}

/**
 * Loads one provider's rows into its fake once. With `plant`, each mismatch kind occurs exactly once
 * among settled succeeded payments; returns what was planted.
 */
export async function feedFakeFromDatabase(
  pool: pg.Pool,
  provider: 'stripe' | 'paypal',
  fake: FeedableFake,
  opts: { plant?: boolean } = {},
): Promise<PlantedMismatch[]> {
  const feed = new DatabaseFeed(pool, provider, fake, opts);
  await feed.feed();
  if (opts.plant && feed.planted.length === 0) throw new Error('need at least 4 succeeded payments to plant mismatches');
  return feed.planted;
}
