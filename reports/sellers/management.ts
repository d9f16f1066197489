/**
 * Management views of the sellers for the scheduled reports, from the database: the monthly PDF's
 * "Sellers" section (leaders, growth, worst refund/return rates with a minimum-volume guard, dormant
 * and low-credit sellers), the daily summary (applications, approvals, the day's top sellers,
 * low credit) and the weekly summary (top performers, sellers that became dormant).
 * Sellers are named by id: the data contract has no seller name.
 */
import type { Db } from '../../exporter/src/runtime/db';
import type { Period } from '../periods';
import { fetchSellerPeriod, type SellerThresholds } from './data';
import { groupBySeller, measuresOf, totalsOf } from './scorecards';

export interface SellerLine {
  sellerId: number;
  /** What the seller is listed for, formatted ("GMV EUR 1,234.00", "refund rate 12.5 % (40 orders)"). */
  detail: string;
}

export interface SellerLists {
  period: Period;
  /** Titled lists in display order; an empty list is shown as "none". */
  lists: { title: string; lines: SellerLine[]; more: number }[];
}

const two = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

/** Applications and approvals in the period, oldest first. */
export const SELLER_ONBOARDING_SQL = `
  SELECT 'applied' AS kind, id, applied_at AS at FROM sellers WHERE applied_at >= $1::timestamptz AND applied_at < $2::timestamptz
  UNION ALL
  SELECT 'approved', id, approved_at FROM sellers WHERE approved_at >= $1::timestamptz AND approved_at < $2::timestamptz
  ORDER BY 3, 2`;

/**
 * Sellers whose last order before the period end was placed 90 days before a moment of the period:
 * they became dormant during it. One index probe per live seller (orders_seller_created_idx).
 */
export const SELLERS_BECAME_DORMANT_SQL = `
  SELECT s.id, last.at
    FROM sellers s
    CROSS JOIN LATERAL (SELECT max(created_at) AS at FROM orders o WHERE o.seller_id = s.id AND o.created_at < $2::timestamptz) last
   WHERE s.approved_at < $2::timestamptz AND (s.churned_at IS NULL OR s.churned_at >= $2::timestamptz)
     AND last.at >= $1::timestamptz - interval '90 days' AND last.at < $2::timestamptz - interval '90 days'
   ORDER BY s.id`;

function capped(title: string, lines: SellerLine[], max: number): SellerLists['lists'][number] {
  return { title, lines: lines.slice(0, max), more: Math.max(0, lines.length - max) };
}

/** Sellers live at the period end with less than the low-credit share of their credits left. */
function lowCredit(
  sellers: Iterable<{ id: number; segment: string; creditsTotal: number; creditsUsed: number }>,
  t: SellerThresholds,
): SellerLine[] {
  const out: SellerLine[] = [];
  for (const s of sellers) {
    if (s.segment === 'churned' || s.segment === 'applicant' || s.creditsTotal <= 0) continue;
    const left = (s.creditsTotal - s.creditsUsed) / s.creditsTotal;
    if (left < t.lowCreditRatio)
      out.push({
        sellerId: s.id,
        detail: `${pct(Math.max(0, left))} left (${two.format(s.creditsTotal - s.creditsUsed)} of ${two.format(s.creditsTotal)})`,
      });
  }
  return out.sort((a, b) => a.sellerId - b.sellerId);
}

export async function fetchSellerLists(db: Db, period: Period, t: SellerThresholds, headlineCurrency: string): Promise<SellerLists> {
  const cur = await fetchSellerPeriod(db, period, t);
  const byNow = groupBySeller(cur);
  const orders = (id: number) => (byNow.get(id) ?? []).reduce((s, r) => s + r.orders, 0);
  const lists: SellerLists['lists'] = [];
  const bounds = [period.start.toISOString(), period.end.toISOString()];

  if (period.type === 'daily') {
    const onboarding = await db.query(SELLER_ONBOARDING_SQL, bounds);
    const at = (r: Record<string, unknown>) => `${new Date(r.at as string).toISOString().slice(11, 16)} UTC`;
    lists.push(
      capped(
        'New seller applications',
        onboarding.filter((r) => r.kind === 'applied').map((r) => ({ sellerId: Number(r.id), detail: `applied ${at(r)}` })),
        50,
      ),
    );
    lists.push(
      capped(
        'Sellers approved',
        onboarding.filter((r) => r.kind === 'approved').map((r) => ({ sellerId: Number(r.id), detail: `approved ${at(r)}` })),
        50,
      ),
    );
  }

  // Leaders by GMV in the headline currency (money is never summed across currencies).
  const topGmv = cur.rows
    .filter((r) => r.currency === headlineCurrency && r.orders > 0)
    .sort((a, b) => b.gmv - a.gmv || a.sellerId - b.sellerId)
    .map((r) => ({ sellerId: r.sellerId, detail: `GMV ${headlineCurrency} ${two.format(r.gmv)} (${r.orders} orders)` }));
  const topOrders = [...byNow.keys()]
    .filter((id) => orders(id) > 0)
    .sort((a, b) => orders(b) - orders(a) || a - b)
    .map((id) => ({ sellerId: id, detail: `${orders(id)} orders` }));

  if (period.type === 'daily') lists.push(capped('Top sellers of the day (orders)', topOrders, 5));
  if (period.type === 'weekly') {
    lists.push(capped('Top performers of the week (orders)', topOrders, 10));
    const dormant = await db.query(SELLERS_BECAME_DORMANT_SQL, bounds);
    lists.push(
      capped(
        'Sellers that became inactive (no order for 90 days)',
        dormant.map((r) => ({ sellerId: Number(r.id), detail: `last order ${new Date(r.at as string).toISOString().slice(0, 10)}` })),
        50,
      ),
    );
  }
  if (period.type === 'monthly') {
    const prev = groupBySeller(await fetchSellerPeriod(db, period.previous, t));
    const before = (id: number) => (prev.get(id) ?? []).reduce((s, r) => s + r.orders, 0);
    lists.push(capped(`Top 10 by GMV (${headlineCurrency})`, topGmv, 10));
    // Growth of orders against the previous month; a seller needs the minimum volume in both months.
    const growth = [...byNow.keys()]
      .filter((id) => before(id) >= t.minOrders && orders(id) >= t.minOrders)
      .map((id) => ({ id, g: orders(id) / before(id) - 1 }))
      .sort((a, b) => b.g - a.g || a.id - b.id)
      .map(({ id, g }) => ({
        sellerId: id,
        detail: `${g >= 0 ? '+' : ''}${(g * 100).toFixed(1)} % orders (${before(id)} → ${orders(id)})`,
      }));
    lists.push(capped(`Top 10 by growth (orders, at least ${t.minOrders} in both months)`, growth, 10));
    for (const [key, label] of [
      ['refundRate', 'refund'],
      ['returnRate', 'return'],
    ] as const) {
      const worst = [...byNow.entries()]
        .map(([id, rows]) => ({ id, n: orders(id), v: measuresOf(totalsOf(rows))[key] }))
        .filter((x) => x.n >= t.minOrders && x.v !== null)
        .sort((a, b) => b.v! - a.v! || a.id - b.id)
        .map((x) => ({ sellerId: x.id, detail: `${label} rate ${pct(x.v!)} (${x.n} orders)` }));
      lists.push(capped(`Bottom 10 by ${label} rate (at least ${t.minOrders} orders)`, worst, 10));
    }
    const dormant = [...cur.sellers.values()]
      .filter((s) => s.segment === 'dormant')
      .map((s) => ({ sellerId: s.id, detail: 'no order in 90 days' }));
    lists.push(capped('Dormant sellers (0 orders in 90 days)', dormant, 50));
  }
  lists.push(capped(`Sellers below ${pct(t.lowCreditRatio)} of their credits`, lowCredit(cur.sellers.values(), t), 50));
  return { period, lists };
}

/** Plain-text lines of the lists, for the summary emails. */
export function sellerListsText(l: SellerLists): string[] {
  const out = ['Sellers'];
  for (const list of l.lists) {
    out.push(`${list.title}:`);
    if (!list.lines.length) out.push('  - none');
    for (const line of list.lines) out.push(`  - seller ${line.sellerId}: ${line.detail}`);
    if (list.more) out.push(`  - and ${list.more} more (see the seller scorecards)`);
  }
  return out;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function sellerListsHtml(l: SellerLists): string {
  return `<h3>Sellers</h3>\n${l.lists
    .map(
      (list) =>
        `<p><b>${esc(list.title)}</b></p><ul>${list.lines.length ? list.lines.map((x) => `<li>seller ${x.sellerId}: ${esc(x.detail)}</li>`).join('') : '<li>none</li>'}${list.more ? `<li>and ${list.more} more</li>` : ''}</ul>`,
    )
    .join('\n')}`;
}
