/**
 * Each provider's view of its payments in a time range, for reconciliation: id → status reached
 * (latest of succeeded/refunded/disputed, or failed/pending) and amount.
 */
import type Stripe from 'stripe';
import { majorToMinor } from './money';
import type { PayPalClient } from './paypal-client';
import {
  CHARGEBACK_CODES,
  isPaymentCode,
  PAYPAL_MAX_WINDOW_SECONDS,
  paypalTime,
  readPayPalTransactions,
  REFUND_CODES,
} from './paypal-transactions';

export interface ProviderPayment {
  status: 'succeeded' | 'failed' | 'pending' | 'refunded' | 'disputed';
  amountMinor: number;
  currency: string;
  /** Unix seconds the payment was made. */
  created: number;
}

export async function stripePayments(stripe: Stripe, from: number, to: number): Promise<Map<string, ProviderPayment>> {
  const out = new Map<string, ProviderPayment>();
  for await (const ch of stripe.charges.list({ limit: 100, created: { gte: from, lte: to } })) {
    const status = ch.disputed ? 'disputed' : ch.refunded || ch.amount_refunded > 0 ? 'refunded' : (ch.status as ProviderPayment['status']);
    out.set(ch.id, { status, amountMinor: ch.amount, currency: ch.currency.toUpperCase(), created: ch.created });
  }
  return out;
}

export async function paypalPayments(api: PayPalClient, from: number, to: number): Promise<Map<string, ProviderPayment>> {
  const out = new Map<string, ProviderPayment>();
  const later: { ref: string; status: 'refunded' | 'disputed' }[] = [];
  for (let start = from; start <= to; start += PAYPAL_MAX_WINDOW_SECONDS) {
    const end = Math.min(to, start + PAYPAL_MAX_WINDOW_SECONDS - 1);
    await readPayPalTransactions(api, start, end, (t) => {
      if (isPaymentCode(t.transaction_event_code)) {
        const status = t.transaction_status === 'D' ? 'failed' : t.transaction_status === 'P' ? 'pending' : 'succeeded';
        const currency = t.transaction_amount.currency_code.toUpperCase();
        out.set(t.transaction_id, {
          status,
          amountMinor: majorToMinor(Math.abs(Number(t.transaction_amount.value)), currency),
          currency,
          created: paypalTime(t.transaction_initiation_date),
        });
      } else if (t.paypal_reference_id && REFUND_CODES.has(t.transaction_event_code))
        later.push({ ref: t.paypal_reference_id, status: 'refunded' });
      else if (t.paypal_reference_id && CHARGEBACK_CODES.has(t.transaction_event_code))
        later.push({ ref: t.paypal_reference_id, status: 'disputed' });
    });
  }
  for (const l of later) {
    const p = out.get(l.ref);
    if (p && !(p.status === 'disputed' && l.status === 'refunded')) p.status = l.status;
  }
  return out;
}
