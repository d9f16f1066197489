/**
 * Everything the per-seller PDF scorecards need, read in bulk (a handful of grouped queries for all
 * sellers at once) and then summarised per seller: the month against the previous month and against
 * the marketplace (median, peer percentile), a 12-month trend, reasons, credits and recommendations.
 */
import type { Db } from '../../exporter/src/runtime/db';
import { monthlyPeriod, type Period } from '../periods';
import { fetchSellerPeriod, type SellerCurrencyRow, type SellerInfo, type SellerPeriodData, type SellerThresholds } from './data';
import { streamQuery } from './accounting';
import { SELLER_REASONS_SQL, SELLER_TREND_SQL } from './queries';

/** Rows per FETCH of the streamed scorecard queries. */
const FETCH_SIZE = 5000;

export type ReasonKind = 'refund' | 'return' | 'payment_failure';

/** One seller's month, all currencies together (counts) and per currency (money). */
export interface SellerTotals {
  orders: number;
  gmv: Map<string, number>;
  refunds: number;
  returns: number;
  reviews: number;
  ratingSum: number;
  paymentsSucceeded: number;
  paymentsFailed: number;
}

export interface Measures {
  orders: number;
  refundRate: number | null;
  returnRate: number | null;
  avgRating: number | null;
  paymentFailureRate: number | null;
}

export const MEASURES: readonly { key: keyof Measures; title: string; better: 'higher' | 'lower'; format: 'count' | 'ratio' | 'rating' }[] =
  [
    { key: 'orders', title: 'Orders', better: 'higher', format: 'count' },
    { key: 'refundRate', title: 'Refund rate', better: 'lower', format: 'ratio' },
    { key: 'returnRate', title: 'Return rate', better: 'lower', format: 'ratio' },
    { key: 'avgRating', title: 'Average rating', better: 'higher', format: 'rating' },
    { key: 'paymentFailureRate', title: 'Payment failure rate', better: 'lower', format: 'ratio' },
  ];

export interface ScorecardSet {
  period: Period;
  previousPeriod: Period;
  current: SellerPeriodData;
  previous: SellerPeriodData;
  /** Month keys of the trend, oldest first, ending with the period. */
  months: string[];
  /** Per seller, one slot per month of `months` (compact: 10,000 sellers × 12 months stay a few MiB). */
  trend: Map<number, { orders: Float64Array; gmv: Map<string, Float64Array> }>;
  reasons: Map<number, Record<ReasonKind, Map<string, number>>>;
  /** Sorted values of each measure over the sellers that have one (the peers). */
  peers: Record<keyof Measures, number[]>;
  thresholds: SellerThresholds;
}

export function shiftMonth(key: string, n: number): string {
  const [y, m] = key.split('-').map(Number) as [number, number];
  const t = new Date(Date.UTC(y, m - 1 + n, 1));
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function totalsOf(rows: readonly SellerCurrencyRow[]): SellerTotals {
  const t: SellerTotals = {
    orders: 0,
    gmv: new Map(),
    refunds: 0,
    returns: 0,
    reviews: 0,
    ratingSum: 0,
    paymentsSucceeded: 0,
    paymentsFailed: 0,
  };
  for (const r of rows) {
    t.orders += r.orders;
    if (r.currency !== null && r.orders > 0) t.gmv.set(r.currency, (t.gmv.get(r.currency) ?? 0) + r.gmv);
    t.refunds += r.refunds;
    t.returns += r.returns;
    t.reviews += r.reviews;
    t.ratingSum += r.ratingSum;
    t.paymentsSucceeded += r.paymentsSucceeded;
    t.paymentsFailed += r.paymentsFailed;
  }
  return t;
}

export function measuresOf(t: SellerTotals): Measures {
  const per = (n: number, d: number) => (d > 0 ? n / d : null);
  return {
    orders: t.orders,
    refundRate: per(t.refunds, t.orders),
    returnRate: per(t.returns, t.orders),
    avgRating: per(t.ratingSum, t.reviews),
    paymentFailureRate: per(t.paymentsFailed, t.paymentsSucceeded + t.paymentsFailed),
  };
}

export function groupBySeller(data: SellerPeriodData): Map<number, SellerCurrencyRow[]> {
  const out = new Map<number, SellerCurrencyRow[]>();
  for (const r of data.rows) {
    const list = out.get(r.sellerId);
    if (list) list.push(r);
    else out.set(r.sellerId, [r]);
  }
  return out;
}

/** Share of peers (in %) whose value is at most `v`: 100 = the highest value in the marketplace. */
export function percentile(sorted: readonly number[], v: number): number | null {
  if (!sorted.length) return null;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return Math.round((lo / sorted.length) * 100);
}

export function median(sorted: readonly number[]): number | null {
  if (!sorted.length) return null;
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

export async function fetchScorecardSet(db: Db, periodKey: string, timeZone: string, thresholds: SellerThresholds): Promise<ScorecardSet> {
  const period = monthlyPeriod(periodKey, timeZone);
  const previousPeriod = monthlyPeriod(shiftMonth(periodKey, -1), timeZone);
  const months = Array.from({ length: 12 }, (_, i) => shiftMonth(periodKey, i - 11));
  const current = await fetchSellerPeriod(db, period, thresholds);
  const previous = await fetchSellerPeriod(db, previousPeriod, thresholds);

  // Trend and reasons are the largest results: streamed through a cursor in batches, so only the
  // compact per-seller arrays stay, never every row at once.
  const trend: ScorecardSet['trend'] = new Map();
  const slot = new Map(months.map((m, i) => [m, i]));
  const trendStart = monthlyPeriod(months[0]!, timeZone).start;
  await streamQuery(db, SELLER_TREND_SQL, [trendStart.toISOString(), period.end.toISOString(), timeZone], FETCH_SIZE, async (rows) => {
    for (const r of rows) {
      const id = Number(r.seller_id);
      const i = slot.get(String(r.month));
      if (i === undefined) continue;
      let t = trend.get(id);
      if (!t) {
        t = { orders: new Float64Array(months.length), gmv: new Map() };
        trend.set(id, t);
      }
      const currency = String(r.currency).trim();
      let gmv = t.gmv.get(currency);
      if (!gmv) {
        gmv = new Float64Array(months.length);
        t.gmv.set(currency, gmv);
      }
      t.orders[i]! += Number(r.orders);
      gmv[i] = Number(r.gmv);
    }
  });

  const reasons: ScorecardSet['reasons'] = new Map();
  await streamQuery(db, SELLER_REASONS_SQL, [period.start.toISOString(), period.end.toISOString()], FETCH_SIZE, async (rows) => {
    for (const r of rows) {
      const id = Number(r.seller_id);
      let rec = reasons.get(id);
      if (!rec) {
        rec = { refund: new Map(), return: new Map(), payment_failure: new Map() };
        reasons.set(id, rec);
      }
      rec[r.kind as ReasonKind].set(String(r.reason), Number(r.n));
    }
  });

  const peers = { orders: [], refundRate: [], returnRate: [], avgRating: [], paymentFailureRate: [] } as Record<keyof Measures, number[]>;
  for (const [id, rows] of groupBySeller(current)) {
    const s = current.sellers.get(id);
    if (!s || s.segment === 'churned' || s.segment === 'applicant') continue; // peers are the live sellers
    const m = measuresOf(totalsOf(rows));
    for (const k of Object.keys(peers) as (keyof Measures)[]) if (m[k] !== null) peers[k].push(m[k]!);
  }
  for (const list of Object.values(peers)) list.sort((a, b) => a - b);
  return { period, previousPeriod, current, previous, months, trend, reasons, peers, thresholds };
}

export const SEGMENT_MEANING: Record<SellerInfo['segment'], string> = {
  power: "Power seller: at least the power threshold of orders in the last 30 days. Among the marketplace's most active partners.",
  active: 'Active seller: a steady flow of orders in the last 30 days.',
  occasional: 'Occasional seller: some orders in the last 90 days, but few in the last 30.',
  dormant: 'Dormant seller: no order in the last 90 days.',
  churned: 'Churned: the seller left the marketplace.',
  applicant: 'Applicant: not approved yet.',
};

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

/** Concrete recommendations from the seller's own figures against the marketplace. */
export function recommendations(
  set: ScorecardSet,
  seller: SellerInfo,
  now: Measures & { reviews: number },
  before: Measures,
  reasons: Record<ReasonKind, Map<string, number>> | undefined,
): string[] {
  const out: string[] = [];
  const top = (kind: ReasonKind) =>
    [...(reasons?.[kind] ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  const enough = now.orders >= set.thresholds.minOrders;
  const med = (k: keyof Measures) => median(set.peers[k]);
  if (seller.segment === 'dormant')
    out.push('No order in the last 90 days: refresh your listings or pricing; dormant sellers are reviewed by the partner team.');
  if (before.orders > 0 && now.orders < before.orders * 0.7)
    out.push(
      `Orders fell ${pct(1 - now.orders / before.orders)} from last month (${before.orders} → ${now.orders}): check stock, prices and listing visibility.`,
    );
  for (const [k, label, kind] of [
    ['refundRate', 'Refund', 'refund'],
    ['returnRate', 'Return', 'return'],
  ] as const) {
    const m = med(k);
    const v = now[k];
    if (enough && v !== null && m !== null && v > Math.max(2 * m, 0.02)) {
      const reason = top(kind);
      out.push(
        `${label} rate ${pct(v)} is more than twice the marketplace median (${pct(m)})${reason ? `; most common reason: "${reason[0]}" (${reason[1]})` : ''}.`,
      );
    }
  }
  if (now.avgRating !== null && now.avgRating < 4 && now.reviews >= 5) {
    out.push(
      `Average rating ${now.avgRating.toFixed(2)} from ${now.reviews} reviews is below 4: read the low-rated reviews and answer them.`,
    );
  }
  const pf = now.paymentFailureRate;
  const pfm = med('paymentFailureRate');
  if (pf !== null && pfm !== null && pf > Math.max(2 * pfm, 0.05)) {
    const code = top('payment_failure');
    out.push(
      `Payment failure rate ${pct(pf)} (marketplace median ${pct(pfm)})${code ? `, mostly "${code[0]}"` : ''}: check prices near card limits and offer another payment method.`,
    );
  }
  if (seller.creditsTotal > 0) {
    const used = seller.creditsUsed / seller.creditsTotal;
    if (1 - used < set.thresholds.lowCreditRatio)
      out.push(`Only ${pct(Math.max(0, 1 - used))} of your listing credits are left: top up to keep your listings live.`);
    else if (used > 0.8) out.push(`Credit usage ${pct(used)} is above the 60–80 % ideal: plan a top-up.`);
    else if (used < 0.6)
      out.push(
        `Credit usage ${pct(used)} is below the 60–80 % ideal: ${(seller.creditsTotal - seller.creditsUsed).toFixed(0)} credits are unused — list more products.`,
      );
  } else if (seller.segment !== 'churned') {
    out.push('No listing credits allocated: buy credits to list products.');
  }
  if (!out.length) out.push('Every measure is in line with the marketplace: keep it up.');
  return out;
}
