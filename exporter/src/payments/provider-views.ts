/**
 * Each provider's view of its payments in a time range, for reconciliation: id → status reached
 * (latest of succeeded/refunded/disputed, or failed/pending) and amount.
 */
import type Stripe from 'stripe';
import { majorToMinor } from './money';
import type { PayPalClient } from './paypal-client';
import { paypalDate } from '../collectors/paypal';
import type { PayPalTransactionsPage } from './paypal-transactions';

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
  for (let start = from; start <= to; start += 31 * 86_400) {
    const end = Math.min(to, start + 31 * 86_400 - 1);
    for (let page = 1, pages = 1; page <= pages; page++) {
      const res = await api.get<PayPalTransactionsPage>('transactions', '/v1/reporting/transactions', { start_date: paypalDate(start), end_date: paypalDate(end), fields: 'transaction_info', page_size: 500, page });
      for (const { transaction_info: t } of res.transaction_details ?? []) {
        if (/^T00\d\d$/.test(t.transaction_event_code)) {
          const status = t.transaction_status === 'D' ? 'failed' : t.transaction_status === 'P' ? 'pending' : 'succeeded';
          const currency = t.transaction_amount.currency_code.toUpperCase();
          out.set(t.transaction_id, { status, amountMinor: majorToMinor(Math.abs(Number(t.transaction_amount.value)), currency), currency, created: Date.parse(t.transaction_initiation_date.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) / 1000 });
        } else if (t.paypal_reference_id && (t.transaction_event_code === 'T1107' || t.transaction_event_code === 'T1106')) later.push({ ref: t.paypal_reference_id, status: 'refunded' });
        else if (t.paypal_reference_id && t.transaction_event_code === 'T1201') later.push({ ref: t.paypal_reference_id, status: 'disputed' });
      }
      pages = Number(res.total_pages ?? 0);
    }
  }
  for (const l of later) {
    const p = out.get(l.ref);
    if (p && !(p.status === 'disputed' && l.status === 'refunded')) p.status = l.status;
  }
  return out;
}
