/**
 * Per-seller figures for one period, read straight from the marketplace database with the
 * exporter's read-only transaction helper. Each measure is one grouped query over the period; the
 * rows are merged here by (seller, currency).
 */
import pg from 'pg';
import { withReadOnly, type Db } from '../../exporter/src/runtime/db';
import { readSecret } from '../../shared/config-primitives';
import type { Span } from '../periods';
import {
  SELLER_LIST_SQL,
  SELLER_ORDERS_SQL,
  SELLER_PAYMENTS_SQL,
  SELLER_REFUNDS_SQL,
  SELLER_RETURNS_SQL,
  SELLER_REVIEWS_SQL,
} from './queries';

export type Segment = 'power' | 'active' | 'occasional' | 'dormant' | 'churned' | 'applicant';

export interface SellerThresholds {
  /** Orders in the 30 days before the period end for "power" / "active" (the exporter's thresholds). */
  powerOrders: number;
  activeOrders: number;
  /** Share of credits left under which a seller is "low credit". */
  lowCreditRatio: number;
  /** Minimum orders in the period before a seller's rates are ranked (bottom lists). */
  minOrders: number;
}

export const DEFAULT_SELLER_THRESHOLDS: SellerThresholds = { powerOrders: 20, activeOrders: 5, lowCreditRatio: 0.1, minOrders: 20 };

export interface SellerInfo {
  id: number;
  appliedAt: Date;
  approvedAt: Date | null;
  churnedAt: Date | null;
  creditsTotal: number;
  creditsUsed: number;
  /** Orders in the 30 / 90 days before the period end (all currencies). */
  orders30d: number;
  orders90d: number;
  segment: Segment;
}

export interface SellerCurrencyRow {
  sellerId: number;
  /** null for a seller with no activity of any kind in the period. */
  currency: string | null;
  orders: number;
  gmv: number;
  refunds: number;
  refunded: number;
  returns: number;
  reviews: number;
  ratingSum: number;
  paymentsSucceeded: number;
  paymentsFailed: number;
  /** 1 = highest GMV among the sellers with orders in this currency; null without orders. */
  rankGmv: number | null;
}

export interface SellerPeriodData {
  period: Span;
  /** Sellers live at some point of the period, or with activity in it; by id. */
  sellers: Map<number, SellerInfo>;
  /** Sorted by seller id, then currency. */
  rows: SellerCurrencyRow[];
}

export function segmentOf(
  s: { approvedAt: Date | null; churnedAt: Date | null; orders30d: number; orders90d: number },
  end: Date,
  t: SellerThresholds,
): Segment {
  if (s.churnedAt && s.churnedAt < end) return 'churned';
  if (!s.approvedAt || s.approvedAt >= end) return 'applicant';
  if (s.orders90d === 0) return 'dormant';
  if (s.orders30d >= t.powerOrders) return 'power';
  if (s.orders30d >= t.activeOrders) return 'active';
  return 'occasional';
}

function emptyRow(sellerId: number, currency: string | null): SellerCurrencyRow {
  return {
    sellerId,
    currency,
    orders: 0,
    gmv: 0,
    refunds: 0,
    refunded: 0,
    returns: 0,
    reviews: 0,
    ratingSum: 0,
    paymentsSucceeded: 0,
    paymentsFailed: 0,
    rankGmv: null,
  };
}

const num = (v: unknown) => Number(v ?? 0);
const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date));

export async function fetchSellerPeriod(
  db: Db,
  period: Span,
  thresholds: SellerThresholds = DEFAULT_SELLER_THRESHOLDS,
): Promise<SellerPeriodData> {
  const bounds = [period.start.toISOString(), period.end.toISOString()];
  const rows = new Map<string, SellerCurrencyRow>();
  const row = (sellerId: number, currency: string): SellerCurrencyRow => {
    const key = `${sellerId}\u0000${currency}`;
    const found = rows.get(key);
    if (found) return found;
    const r = emptyRow(sellerId, currency);
    rows.set(key, r);
    return r;
  };
  const cur = (v: unknown) => String(v).trim();
  for (const r of await db.query(SELLER_ORDERS_SQL, bounds))
    Object.assign(row(num(r.seller_id), cur(r.currency)), { orders: num(r.orders), gmv: num(r.gmv) });
  for (const r of await db.query(SELLER_REFUNDS_SQL, bounds))
    Object.assign(row(num(r.seller_id), cur(r.currency)), { refunds: num(r.refunds), refunded: num(r.refunded) });
  for (const r of await db.query(SELLER_RETURNS_SQL, bounds)) row(num(r.seller_id), cur(r.currency)).returns = num(r.returns);
  for (const r of await db.query(SELLER_REVIEWS_SQL, bounds))
    Object.assign(row(num(r.seller_id), cur(r.currency)), { reviews: num(r.reviews), ratingSum: num(r.rating_sum) });
  for (const r of await db.query(SELLER_PAYMENTS_SQL, bounds)) {
    Object.assign(row(num(r.seller_id), cur(r.currency)), { paymentsSucceeded: num(r.succeeded), paymentsFailed: num(r.failed) });
  }

  const active = new Set([...rows.values()].map((r) => r.sellerId));
  const sellers = new Map<number, SellerInfo>();
  for (const r of await db.query(SELLER_LIST_SQL, [bounds[1]])) {
    const info = {
      id: num(r.id),
      appliedAt: date(r.applied_at)!,
      approvedAt: date(r.approved_at),
      churnedAt: date(r.churned_at),
      creditsTotal: num(r.credits_total),
      creditsUsed: num(r.credits_used),
      orders30d: num(r.n30),
      orders90d: num(r.n90),
    };
    const live = info.approvedAt !== null && info.approvedAt < period.end && (info.churnedAt === null || info.churnedAt >= period.start);
    if (!live && !active.has(info.id)) continue;
    sellers.set(info.id, { ...info, segment: segmentOf(info, period.end, thresholds) });
  }
  // A seller without any activity still gets its row: zero orders is a finding, not a gap.
  for (const s of sellers.values()) if (!active.has(s.id)) rows.set(`${s.id}`, emptyRow(s.id, null));

  // Competition ranking ("1, 2, 2, 4") by GMV within each currency; ties in seller id order.
  const byCurrency = new Map<string, SellerCurrencyRow[]>();
  for (const r of rows.values())
    if (r.currency !== null && r.orders > 0) byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), r]);
  for (const list of byCurrency.values()) {
    list.sort((a, b) => b.gmv - a.gmv || a.sellerId - b.sellerId);
    list.forEach((r, i) => {
      r.rankGmv = i > 0 && list[i - 1]!.gmv === r.gmv ? list[i - 1]!.rankGmv : i + 1;
    });
  }
  const sorted = [...rows.values()].sort((a, b) => a.sellerId - b.sellerId || (a.currency ?? '').localeCompare(b.currency ?? ''));
  return { period, sellers, rows: sorted };
}

/** Connection settings of the reports' database access (reports config `database`). */
export interface ReportsDatabase {
  url: string;
  password?: { file?: string; env?: string };
  /** statement_timeout of the read-only transaction, seconds. */
  timeout: number;
  application_name: string;
}

export function reportsPool(db: ReportsDatabase): pg.Pool {
  const pool = new pg.Pool({
    connectionString: db.url,
    password: db.password ? readSecret(db.password) : undefined,
    max: 2,
    application_name: db.application_name,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `fn` in one READ ONLY, REPEATABLE READ transaction (every measure sees the same snapshot),
 * with the statement timeout and a client-side deadline, as the exporter's collectors do.
 */
export function readSellers<T>(pool: pg.Pool, timeoutSeconds: number, fn: (db: Db) => Promise<T>): Promise<T> {
  return withReadOnly(pool, timeoutSeconds, AbortSignal.timeout(timeoutSeconds * 1000 + 5000), fn, undefined, 'repeatable read');
}
