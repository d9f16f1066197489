/**
 * Maps Stripe events onto the product's payment statuses. Each status change is one event, so
 * counting events in a watermark window counts every change once, when it happens.
 */
import type Stripe from 'stripe';
import type { Folds } from './folds';
import type { ProviderCounters } from './provider-counters';

/** Dispute statuses that still need action or a decision. */
export const STRIPE_OPEN_DISPUTE = new Set(['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review']);

const MONEY_EVENTS = new Set(['charge.succeeded', 'charge.failed', 'charge.refunded', 'charge.dispute.created']);

/**
 * Why a record that moves money cannot be counted, or null. Valid JSON can still lack an amount or
 * carry it as a string; counted, it would make the totals NaN for good.
 */
export function invalidStripeEvent(ev: Stripe.Event): string | null {
  const obj = (ev as { data?: { object?: unknown } })?.data?.object as Record<string, unknown> | undefined;
  if (!obj || typeof obj !== 'object') return 'no data.object';
  if (typeof ev.created !== 'number' || !Number.isInteger(ev.created)) return 'created is not a unix time';
  if (!MONEY_EVENTS.has(ev.type)) return null;
  if (typeof obj.amount !== 'number' || !Number.isSafeInteger(obj.amount) || obj.amount < 0) return 'amount is not a non-negative integer';
  if (typeof obj.currency !== 'string' || !/^[a-zA-Z]{3}$/.test(obj.currency)) return 'currency is not a 3-letter code';
  return null;
}

/** Applies one event; an invalid one is only counted as rejected (and false returned). */
export function applyStripeEvent(ev: Stripe.Event, c: ProviderCounters, openDisputes: Set<string>, fold: Folds): boolean {
  if (invalidStripeEvent(ev) !== null) {
    c.rejected();
    return false;
  }
  const obj = ev.data.object as unknown as Record<string, unknown>;
  const currency = () => fold.currency(String(obj.currency ?? '').toUpperCase());
  switch (ev.type) {
    case 'charge.succeeded':
      c.payment('succeeded', currency(), Number(obj.amount));
      break;
    case 'charge.failed':
      c.payment('failed', currency(), Number(obj.amount));
      c.failure(fold.reason(obj.failure_code as string | null));
      break;
    case 'charge.refunded': {
      // Fired for every (partial) refund; the payment enters "refunded" at the first one.
      const prev = ev.data.previous_attributes as { amount_refunded?: number } | undefined;
      if ((prev?.amount_refunded ?? 0) === 0) c.payment('refunded', currency(), Number(obj.amount));
      break;
    }
    case 'charge.dispute.created':
      c.payment('disputed', currency(), Number(obj.amount));
      if (STRIPE_OPEN_DISPUTE.has(String(obj.status))) openDisputes.add(String(obj.id));
      break;
    case 'charge.dispute.updated':
    case 'charge.dispute.closed':
      if (STRIPE_OPEN_DISPUTE.has(String(obj.status))) openDisputes.add(String(obj.id));
      else openDisputes.delete(String(obj.id));
      break;
    case 'payout.failed':
      c.payoutFailed();
      break;
    default:
      break;
  }
  return true;
}
