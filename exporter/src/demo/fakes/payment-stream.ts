/**
 * A deterministic stream of provider payments shared by the Stripe and PayPal fakes, with the
 * ground truth the pollers must reproduce: every status a payment enters, at the time it enters it.
 */
import { isZeroDecimal } from '../../payments/money';
import { mulberry32 } from '../random';

export type FakeStatus = 'succeeded' | 'failed' | 'pending';

export interface FakePayment {
  id: string;
  /** Unix seconds when the payment succeeded/failed (or was created, when pending). */
  created: number;
  amountMinor: number;
  /** Upper-case ISO code. */
  currency: string;
  status: FakeStatus;
  failureCode?: string | null;
  /** First refund, unix seconds (a payment counts as refunded once, here, with its full amount). */
  refundedAt?: number;
  /** Amount of the first refund when it is partial (default: the whole payment). */
  firstRefundMinor?: number;
  /** A second refund, of the rest, unix seconds (after refundedAt). */
  secondRefundAt?: number;
  disputedAt?: number;
  disputeClosedAt?: number;
}

export interface GroundTruth {
  payments: Record<string, number>;
  /** `${currency}|${status}` → minor units. */
  amountsMinor: Record<string, number>;
  failures: Record<string, number>;
  payoutsFailed: number;
  disputesOpen: number;
}

const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'EUR', 'GBP', 'JPY'];
const FAILURE_CODES = ['card_declined', 'insufficient_funds', 'expired_card', 'incorrect_cvc', 'processing_error', 'do_not_honor', null];

export interface StreamOptions {
  seed: number;
  count: number;
  /** Unix seconds; payments are spread evenly over [from, to]. */
  from: number;
  to: number;
  idPrefix?: string;
  /** Share of refunds that are partial, the rest refunded later (default 0). */
  partialRefundShare?: number;
  /** Shares of outcomes (defaults: 12 % failed, 3 % pending, 6 % refunded, 2 % disputed). */
  failedShare?: number;
  pendingShare?: number;
  refundedShare?: number;
  disputedShare?: number;
}

export function generatePayments(o: StreamOptions): FakePayment[] {
  const r = mulberry32(o.seed);
  const out: FakePayment[] = [];
  const span = Math.max(0, o.to - o.from);
  const prefix = o.idPrefix ?? 'p';
  for (let i = 0; i < o.count; i++) {
    const created = o.from + Math.floor((i * span) / Math.max(1, o.count));
    const currency = CURRENCIES[Math.floor(r() * CURRENCIES.length)]!;
    const amountMinor = isZeroDecimal(currency) ? 100 + Math.floor(r() * 20_000) : 100 + Math.floor(r() * 50_000);
    const u = r();
    const p: FakePayment = { id: `${prefix}${o.seed}x${i}`, created, amountMinor, currency, status: 'succeeded' };
    if (u < (o.failedShare ?? 0.12)) {
      p.status = 'failed';
      p.failureCode = FAILURE_CODES[Math.floor(r() * FAILURE_CODES.length)]!;
    } else if (u < (o.failedShare ?? 0.12) + (o.pendingShare ?? 0.03)) {
      p.status = 'pending';
    } else {
      const v = r();
      // Later status changes may land after `to`: they become visible only when the fake's clock gets there.
      if (v < (o.refundedShare ?? 0.06)) {
        p.refundedAt = created + 60 + Math.floor(r() * 3 * 86_400);
        if (o.partialRefundShare && r() < o.partialRefundShare) {
          p.firstRefundMinor = Math.max(1, Math.floor(p.amountMinor * (0.2 + 0.6 * r())));
          p.secondRefundAt = p.refundedAt + 3600 + Math.floor(r() * 2 * 86_400);
        }
      } else if (v < (o.refundedShare ?? 0.06) + (o.disputedShare ?? 0.02)) {
        p.disputedAt = created + 3600 + Math.floor(r() * 5 * 86_400);
        if (r() < 0.5) p.disputeClosedAt = p.disputedAt + 3600 + Math.floor(r() * 5 * 86_400);
      }
    }
    out.push(p);
  }
  return out;
}

export interface TruthFolds {
  currency?: (c: string) => string;
  reason?: (r: string | null | undefined) => string;
  /** Amount a refunded payment adds to the refunded amount (default: the whole payment). */
  refundedAmount?: (p: FakePayment) => number;
}

/** Refunded minor units of a payment as of `at`. */
export function refundedMinorAt(p: FakePayment, at: number): number {
  if (p.refundedAt === undefined || p.refundedAt > at) return 0;
  if (p.secondRefundAt !== undefined && p.secondRefundAt <= at) return p.amountMinor;
  return p.firstRefundMinor ?? p.amountMinor;
}

/** What a correct poller has counted once it has read everything up to `upTo` (unix seconds, inclusive). */
export function groundTruth(
  payments: readonly FakePayment[],
  payoutFailures: readonly number[],
  upTo: number,
  folds: TruthFolds = {},
): GroundTruth {
  const fc = folds.currency ?? ((c: string) => c);
  const fr = folds.reason ?? ((r: string | null | undefined) => String(r ?? 'null'));
  const t: GroundTruth = {
    payments: {},
    amountsMinor: {},
    failures: {},
    payoutsFailed: payoutFailures.filter((x) => x <= upTo).length,
    disputesOpen: 0,
  };
  const add = (status: string, p: FakePayment) => {
    t.payments[status] = (t.payments[status] ?? 0) + 1;
    const k = `${fc(p.currency)}|${status}`;
    t.amountsMinor[k] =
      (t.amountsMinor[k] ?? 0) + (status === 'refunded' && folds.refundedAmount ? folds.refundedAmount(p) : p.amountMinor);
  };
  for (const p of payments) {
    if (p.created <= upTo && p.status !== 'pending') add(p.status, p);
    if (p.created <= upTo && p.status === 'failed') t.failures[fr(p.failureCode)] = (t.failures[fr(p.failureCode)] ?? 0) + 1;
    if (p.refundedAt !== undefined && p.refundedAt <= upTo) add('refunded', p);
    if (p.disputedAt !== undefined && p.disputedAt <= upTo) {
      add('disputed', p);
      if (p.disputeClosedAt === undefined || p.disputeClosedAt > upTo) t.disputesOpen += 1;
    }
  }
  return t;
}
