/**
 * The seller reports' columns, each defined once: its CSV header, unit, how it is computed and how a
 * value is written. The scorecard CSV, the accounting exports and the generated reference
 * (docs/SELLER-REPORTS.md) all read these lists.
 */
import { M } from '../../shared/catalogue';
import type { SellerCurrencyRow, SellerInfo } from './data';

export type Unit = 'id' | 'text' | 'count' | 'money' | 'ratio' | 'rating' | 'rank' | 'credits' | 'timestamp';

export interface ColumnDef<T> {
  key: string;
  unit: Unit;
  definition: string;
  /** The cell: null is written as an empty cell ("no data"), never as 0. */
  value(row: T): string | number | null;
}

export const money = (v: number) => v.toFixed(2);
export const ratio = (num: number, den: number): string | null => (den > 0 ? (num / den).toFixed(4) : null);

export interface ScorecardInput {
  row: SellerCurrencyRow;
  seller: SellerInfo;
}

export const SCORECARD_COLUMNS: readonly ColumnDef<ScorecardInput>[] = [
  { key: 'seller_id', unit: 'id', definition: '`sellers.id`.', value: ({ row }) => row.sellerId },
  {
    key: 'currency',
    unit: 'text',
    definition:
      'ISO 4217 code. One row per seller and currency: orders, returns and reviews by the order currency, refunds and payments by their own currency. Empty for a seller with no activity at all in the period (one row, zeros and empty rates).',
    value: ({ row }) => row.currency,
  },
  {
    key: 'orders',
    unit: 'count',
    definition: `Orders whose \`created_at\` lies in the period, any status (as \`${M.ordersTotal.name}\`).`,
    value: ({ row }) => row.orders,
  },
  {
    key: 'gmv',
    unit: 'money',
    definition: `Sum of \`orders.total_amount\` of those orders, major units (as \`${M.gmvTotal.name}\`).`,
    value: ({ row }) => money(row.gmv),
  },
  {
    key: 'aov',
    unit: 'money',
    definition: '`gmv / orders`; empty without orders.',
    value: ({ row }) => (row.orders > 0 ? money(row.gmv / row.orders) : null),
  },
  {
    key: 'refunds',
    unit: 'count',
    definition:
      "Refunds whose `refunds.created_at` lies in the period, of this seller's orders whenever they were placed (refunds of earlier orders included).",
    value: ({ row }) => row.refunds,
  },
  {
    key: 'refund_rate',
    unit: 'ratio',
    definition: '`refunds / orders` of the period (0..1, may exceed 1 when earlier orders are refunded); empty without orders.',
    value: ({ row }) => ratio(row.refunds, row.orders),
  },
  {
    key: 'returns',
    unit: 'count',
    definition: "Returns whose `returns.created_at` lies in the period, of this seller's orders whenever placed.",
    value: ({ row }) => row.returns,
  },
  {
    key: 'return_rate',
    unit: 'ratio',
    definition: '`returns / orders` of the period; empty without orders.',
    value: ({ row }) => ratio(row.returns, row.orders),
  },
  {
    key: 'avg_rating',
    unit: 'rating',
    definition:
      "Mean `reviews.rating` (1..5) of reviews written in the period on this seller's orders, two decimals; empty without reviews (never 0).",
    value: ({ row }) => (row.reviews > 0 ? (row.ratingSum / row.reviews).toFixed(2) : null),
  },
  { key: 'reviews', unit: 'count', definition: "Reviews written in the period on this seller's orders.", value: ({ row }) => row.reviews },
  {
    key: 'payment_failure_rate',
    unit: 'ratio',
    definition:
      'Payments that failed in the period (`failed_at`) over payments that succeeded or failed in it (`succeeded_at`, `failed_at`); empty when none did.',
    value: ({ row }) => ratio(row.paymentsFailed, row.paymentsSucceeded + row.paymentsFailed),
  },
  {
    key: 'credits_total',
    unit: 'credits',
    definition: '`sellers.credits_total` when the report is run (the contract keeps no credit history); repeated on each currency row.',
    value: ({ seller }) => money(seller.creditsTotal),
  },
  {
    key: 'credits_used',
    unit: 'credits',
    definition: '`sellers.credits_used` when the report is run.',
    value: ({ seller }) => money(seller.creditsUsed),
  },
  {
    key: 'segment',
    unit: 'text',
    definition:
      '`churned` when `churned_at` is before the period end; `applicant` when not approved before it; `dormant` with no order in the 90 days before the period end; otherwise by orders in the 30 days before the period end: `power` (≥ power threshold, 20), `active` (≥ active threshold, 5), `occasional`.',
    value: ({ seller }) => seller.segment,
  },
  {
    key: 'rank_gmv',
    unit: 'rank',
    definition:
      'Rank by GMV among the sellers with orders in this currency (1 = highest; ties share a rank, "1, 2, 2, 4"); empty without orders.',
    value: ({ row }) => row.rankGmv,
  },
];

export interface SellerListInput {
  seller: SellerInfo;
  /** Orders in the period, all currencies. */
  orders: number;
  /** Live at the period end (approved, not churned). */
  active: boolean;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const SELLER_LIST_COLUMNS: readonly ColumnDef<SellerListInput>[] = [
  { key: 'seller_id', unit: 'id', definition: '`sellers.id`.', value: ({ seller }) => seller.id },
  { key: 'applied_at', unit: 'timestamp', definition: '`sellers.applied_at`, ISO 8601 UTC.', value: ({ seller }) => iso(seller.appliedAt) },
  {
    key: 'approved_at',
    unit: 'timestamp',
    definition: '`sellers.approved_at`; empty while not approved.',
    value: ({ seller }) => iso(seller.approvedAt),
  },
  {
    key: 'churned_at',
    unit: 'timestamp',
    definition: '`sellers.churned_at`; empty while not churned.',
    value: ({ seller }) => iso(seller.churnedAt),
  },
  {
    key: 'credits_total',
    unit: 'credits',
    definition: '`sellers.credits_total` when the export is run.',
    value: ({ seller }) => money(seller.creditsTotal),
  },
  {
    key: 'credits_used',
    unit: 'credits',
    definition: '`sellers.credits_used` when the export is run.',
    value: ({ seller }) => money(seller.creditsUsed),
  },
  { key: 'orders', unit: 'count', definition: 'Orders created in the period, all currencies.', value: (r) => r.orders },
  { key: 'segment', unit: 'text', definition: "As the scorecard's `segment`.", value: ({ seller }) => seller.segment },
  {
    key: 'active',
    unit: 'text',
    definition: '`true` when approved before and not churned at the period end, else `false`.',
    value: (r) => String(r.active),
  },
];

/** One payment of the transaction log, as read from the database. */
export interface TransactionInput {
  payment_id: number;
  provider: string;
  provider_ref: string | null;
  status: string;
  status_at: Date;
  amount: number;
  currency: string;
  order_id: number;
  seller_id: number;
}

export const TRANSACTION_LOG_COLUMNS: readonly ColumnDef<TransactionInput>[] = [
  { key: 'payment_id', unit: 'id', definition: '`payments.id`.', value: (r) => r.payment_id },
  { key: 'provider', unit: 'text', definition: '`payments.provider` (stripe, paypal, …).', value: (r) => r.provider },
  {
    key: 'provider_ref',
    unit: 'text',
    definition: '`payments.provider_ref` (Stripe charge, PayPal transaction id); empty when unknown.',
    value: (r) => r.provider_ref,
  },
  { key: 'status', unit: 'text', definition: '`payments.status` now.', value: (r) => r.status },
  {
    key: 'status_at',
    unit: 'timestamp',
    definition:
      'When the payment entered that status (`succeeded_at`, `failed_at`, `refunded_at`, `disputed_at`; `created_at` while pending), ISO 8601 UTC. A payment is listed when this instant lies in the period.',
    value: (r) => r.status_at.toISOString(),
  },
  { key: 'amount', unit: 'money', definition: '`payments.amount`, major units.', value: (r) => money(r.amount) },
  { key: 'currency', unit: 'text', definition: '`payments.currency`.', value: (r) => r.currency.trim() },
  { key: 'order_id', unit: 'id', definition: '`payments.order_id`.', value: (r) => r.order_id },
  { key: 'seller_id', unit: 'id', definition: '`orders.seller_id` of that order.', value: (r) => r.seller_id },
];

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: readonly (string | number | null)[]) => `${cells.map(cell).join(',')}\r\n`;
export const csvHeader = <T>(cols: readonly ColumnDef<T>[]) => csvLine(cols.map((c) => c.key));
export const csvRow = <T>(cols: readonly ColumnDef<T>[], input: T) => csvLine(cols.map((c) => c.value(input)));
