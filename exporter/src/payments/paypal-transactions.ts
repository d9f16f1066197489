/**
 * Maps PayPal Reporting API transactions onto the product's payment statuses. PayPal reports a
 * refund or chargeback as its own transaction (with the original in paypal_reference_id), so each
 * status change is one transaction, counted once at its date.
 */
import { majorToMinor } from './money';
import type { PaymentStatus, ProviderCounters } from './provider-counters';
import type { Folds } from './stripe-events';

export interface PayPalTransactionInfo {
  transaction_id: string;
  paypal_reference_id?: string;
  transaction_event_code: string;
  transaction_initiation_date: string;
  transaction_status: string; // S success, P pending, D denied, V reversed, F partially refunded
  transaction_amount: { currency_code: string; value: string };
}

export interface PayPalTransactionsPage {
  transaction_details: { transaction_info: PayPalTransactionInfo }[];
  page: number;
  total_pages: number;
  total_items: number;
}

/** T11xx refunds/reversals of a payment; T1201 chargeback. */
const REFUND_CODES = new Set(['T1106', 'T1107']);
const CHARGEBACK_CODES = new Set(['T1201']);

/** Status this transaction makes a payment enter, or null (pending, fees, transfers, …). */
export function paypalStatusOf(t: PayPalTransactionInfo): PaymentStatus | null {
  const code = t.transaction_event_code;
  if (REFUND_CODES.has(code)) return 'refunded';
  if (CHARGEBACK_CODES.has(code)) return 'disputed';
  if (/^T00\d\d$/.test(code)) {
    if (t.transaction_status === 'D') return 'failed';
    // Reversed or partially refunded payments did succeed first; the reversal is its own transaction.
    if (t.transaction_status === 'S' || t.transaction_status === 'V' || t.transaction_status === 'F') return 'succeeded';
  }
  return null;
}

export function applyPayPalTransaction(t: PayPalTransactionInfo, c: ProviderCounters, fold: Folds): void {
  const status = paypalStatusOf(t);
  if (!status) return;
  const currency = t.transaction_amount.currency_code.toUpperCase();
  c.payment(status, fold.currency(currency), majorToMinor(Math.abs(Number(t.transaction_amount.value)), currency));
  // The Reporting API carries no decline code.
  if (status === 'failed') c.failure(fold.reason(null));
}
