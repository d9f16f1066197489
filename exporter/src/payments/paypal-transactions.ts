/**
 * Maps PayPal Reporting API transactions onto the product's payment statuses. PayPal reports a
 * refund or chargeback as its own transaction (with the original in paypal_reference_id), so each
 * status change is one transaction, counted once at its date (for refunds: the first one only).
 */
import { majorToMinor } from './money';
import type { PaymentStatus, ProviderCounters } from './provider-counters';
import type { Folds } from './folds';
import type { PayPalClient } from './paypal-client';

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

/** The Reporting API's longest date range per request (31 days) and its largest page. */
export const PAYPAL_MAX_WINDOW_SECONDS = 31 * 86_400;
export const PAYPAL_PAGE_SIZE = 500;

/** Dispute states that are not final. */
export const PAYPAL_OPEN_DISPUTE_STATES = 'REQUIRED_ACTION,REQUIRED_OTHER_PARTY_ACTION,UNDER_PAYPAL_REVIEW';

/** T11xx refunds/reversals of a payment; T1201 chargeback; T00xx payments. */
export const REFUND_CODES: ReadonlySet<string> = new Set(['T1106', 'T1107']);
export const CHARGEBACK_CODES: ReadonlySet<string> = new Set(['T1201']);
export function isPaymentCode(code: string): boolean {
  return /^T00\d\d$/.test(code);
}

/** PayPal wants ISO-8601 with an offset and second precision. */
export function paypalDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

/** Unix seconds of a PayPal date (`2024-01-02T03:04:05+0000`). */
export function paypalTime(date: string): number {
  return Math.floor(Date.parse(date.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) / 1000);
}

/** Reads every page of the transactions dated in [start, end] (at most 31 days apart). */
export async function readPayPalTransactions(
  api: PayPalClient,
  start: number,
  end: number,
  each: (t: PayPalTransactionInfo) => void,
): Promise<void> {
  for (let page = 1, pages = 1; page <= pages; page++) {
    const res = await api.get<PayPalTransactionsPage>('transactions', '/v1/reporting/transactions', {
      start_date: paypalDate(start),
      end_date: paypalDate(end),
      fields: 'transaction_info',
      page_size: PAYPAL_PAGE_SIZE,
      page,
    });
    for (const d of res.transaction_details ?? []) each(d?.transaction_info);
    pages = Number(res.total_pages ?? 0);
  }
}

/** Status this transaction makes a payment enter, or null (pending, fees, transfers, …). */
export function paypalStatusOf(t: PayPalTransactionInfo): PaymentStatus | null {
  const code = t.transaction_event_code;
  if (REFUND_CODES.has(code)) return 'refunded';
  if (CHARGEBACK_CODES.has(code)) return 'disputed';
  if (isPaymentCode(code)) {
    if (t.transaction_status === 'D') return 'failed';
    // Reversed or partially refunded payments did succeed first; the reversal is its own transaction.
    if (t.transaction_status === 'S' || t.transaction_status === 'V' || t.transaction_status === 'F') return 'succeeded';
  }
  return null;
}

/**
 * Payments already counted as refunded (payment id → unix seconds of the first refund), so that a
 * second partial refund does not count the payment again. Entries are forgotten once no refund can
 * follow any more (PayPal accepts refunds up to 180 days after the payment).
 */
export class RefundLedger {
  static readonly RETENTION_SECONDS = 200 * 86_400;
  private readonly staged = new Map<string, number>();

  constructor(readonly committed: Record<string, number> = {}) {}

  /** True the first time a payment's refund is seen. */
  first(paymentId: string, at: number): boolean {
    if (paymentId in this.committed || this.staged.has(paymentId)) return false;
    this.staged.set(paymentId, at);
    return true;
  }

  /** The ledger after the staged window is committed, pruned relative to `watermark`. */
  commit(watermark: number): Record<string, number> {
    const out: Record<string, number> = {};
    const keepAfter = watermark - RefundLedger.RETENTION_SECONDS;
    for (const [id, at] of [...Object.entries(this.committed), ...this.staged]) if (at > keepAfter) out[id] = at;
    return out;
  }
}

/** Why a transaction cannot be counted, or null (amounts are decimal strings, dates ISO 8601). */
export function invalidPayPalTransaction(t: PayPalTransactionInfo): string | null {
  if (!t || typeof t !== 'object') return 'no transaction_info';
  if (typeof t.transaction_event_code !== 'string' || typeof t.transaction_status !== 'string') return 'event code or status missing';
  if (typeof t.transaction_initiation_date !== 'string' || Number.isNaN(paypalTime(t.transaction_initiation_date)))
    return 'transaction_initiation_date is not a date';
  const a = t.transaction_amount as { currency_code?: unknown; value?: unknown } | undefined;
  if (!a || typeof a.value !== 'string' || !/^-?\d{1,15}(\.\d{1,4})?$/.test(a.value))
    return 'transaction_amount.value is not a decimal string';
  if (typeof a.currency_code !== 'string' || !/^[A-Za-z]{3}$/.test(a.currency_code))
    return 'transaction_amount.currency_code is not a 3-letter code';
  return null;
}

/** Applies one transaction; an invalid one is only counted as rejected (and false returned). */
export function applyPayPalTransaction(t: PayPalTransactionInfo, c: ProviderCounters, fold: Folds, refunds: RefundLedger): boolean {
  if (invalidPayPalTransaction(t) !== null) {
    c.rejected();
    return false;
  }
  const status = paypalStatusOf(t);
  if (!status) return true;
  // A payment enters "refunded" once, at its first (possibly partial) refund; the Reporting API
  // carries only the refund's own amount, so that is the amount PayPal reports for it.
  if (status === 'refunded' && !refunds.first(t.paypal_reference_id ?? t.transaction_id, paypalTime(t.transaction_initiation_date)))
    return true;
  const currency = t.transaction_amount.currency_code.toUpperCase();
  c.payment(status, fold.currency(currency), majorToMinor(Math.abs(Number(t.transaction_amount.value)), currency));
  // The Reporting API carries no decline code.
  if (status === 'failed') c.failure(fold.reason(null));
  return true;
}
