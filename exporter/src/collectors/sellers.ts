/**
 * Seller gauges: live sellers by 30-day activity segment, active share, and per-window activation
 * and churn ratios, as two continuous aggregates (./window-facts.ts):
 *   - one fact per order of the last 30 days, holding its seller (orders never change seller);
 *   - one fact per seller (kept forever: a seller approved years ago is still live), holding its
 *     approved_at and churned_at. Those change after the fact, so a cycle re-reads the sellers that
 *     applied since the horizon, those whose approved_at or churned_at lies inside `mutable_horizon`
 *     now, and those whose stored one does (a churn undone); older changes wait for the full refresh.
 *     With collection.seller_changes: updated_at, the sellers written since the horizon instead.
 * Every gauge is then a walk over the two stores at the database's now: exact window edges, and the
 * 30-day order count of a live seller needs no cap.
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import { readsWriteStamps, stampsOf } from './write-stamps';
import {
  FactStore,
  firstAfterIn,
  type FactRow,
  queryFacts,
  streamFacts,
  usOf,
  usToTimestamp,
  windowRange,
  windowSettings,
  WindowFacts,
  type WindowSpec,
  US,
} from './window-facts';

const SEGMENT_SECONDS = 30 * 86_400;

/** Orders created in ($1, $2] with their seller (orders_created_at_idx). */
export const SELLER_ORDER_FACTS_SQL = `
  SELECT id, ${usOf('created_at')} AS t, seller_id
    FROM orders
   WHERE created_at > $1::timestamptz AND created_at <= $2::timestamptz`;

const SELLER_COLUMNS = `id, ${usOf('applied_at')} AS t, ${usOf('approved_at')} AS approved, ${usOf('churned_at')} AS churned`;

/** Sellers who applied in ($1, $2] (sellers_applied_at_idx). */
export const SELLER_FACTS_SQL = `
  SELECT ${SELLER_COLUMNS}
    FROM sellers
   WHERE applied_at > $1::timestamptz AND applied_at <= $2::timestamptz`;

/**
 * Sellers who applied in ($1, $2], or whose approved_at or churned_at is after $3 (the mutable
 * horizon), or listed in $4 (their stored approved_at or churned_at is): BitmapOr of three indexes.
 */
export const SELLER_CHANGED_SQL = `
  SELECT ${SELLER_COLUMNS}
    FROM sellers
   WHERE applied_at <= $2::timestamptz
     AND (applied_at > $1::timestamptz OR approved_at > $3::timestamptz OR churned_at > $3::timestamptz OR id = ANY ($4::bigint[]))`;

/**
 * With collection.seller_changes: updated_at, sellers who applied in ($1, $2] or were written since $1
 * (BitmapOr of sellers_applied_at_idx and sellers_updated_at_idx): every change of approved_at or
 * churned_at, whatever its date, is read once, and nothing is re-read for lying inside mutable_horizon.
 */
export const SELLER_WRITTEN_SQL = `
  SELECT ${SELLER_COLUMNS}
    FROM sellers
   WHERE applied_at <= $2::timestamptz AND (applied_at > $1::timestamptz OR updated_at >= $1::timestamptz)`;

type OrderCol = 'seller';
type SellerCol = 'approved' | 'churned';

/** NULL (not approved, not churned) is +Infinity: "<= now" is false, "> start" is true. */
const usOrNever = (v: unknown) => (v === null || v === undefined ? Infinity : Number(v));
const toSeller = (r: Record<string, unknown>): FactRow<SellerCol> => ({
  id: Number(r.id),
  t: Number(r.t),
  approved: usOrNever(r.approved),
  churned: usOrNever(r.churned),
});

export interface SellerThresholds {
  power: number;
  active: number;
}

/**
 * Seller id → store position. Seller ids are usually a dense serial: then a lookup table indexed by
 * id (4 bytes per id); otherwise a binary search over the sorted ids.
 */
export function sellerIndex(id: Float64Array, n: number): (sellerId: number) => number {
  let max = 0;
  let integral = true;
  for (let k = 0; k < n; k++) {
    const v = id[k]!;
    if (v > max) max = v;
    if (!Number.isInteger(v) || v < 0) integral = false;
  }
  if (integral && max < 4 * n + 4096) {
    const table = new Int32Array(max + 1).fill(-1);
    for (let k = 0; k < n; k++) table[id[k]!] = k;
    return (sellerId) => (sellerId >= 0 && sellerId <= max ? (table[sellerId] ?? -1) : -1);
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => id[a]! - id[b]!);
  const ids = Float64Array.from(order, (i) => id[i]!);
  return (sellerId) => {
    const lo = firstAfterIn(ids, ids.length, sellerId, true);
    return lo < ids.length && ids[lo] === sellerId ? order[lo]! : -1;
  };
}

/** Every gauge of the collector from the two stores at `nowUs` (exported for unit tests). */
export function sellerSamples(
  sellerStore: FactStore<SellerCol>,
  orderStore: FactStore<OrderCol>,
  nowUs: number,
  th: SellerThresholds,
): Sample[] {
  const s = sellerStore.view();
  const o = orderStore.view();
  const indexOf = sellerIndex(s.id, s.n);
  // Orders of the last 30 days per seller, and each seller's latest order up to now.
  const orders30 = new Uint32Array(s.n);
  const lastOrder = new Float64Array(s.n).fill(-Infinity);
  const [a, b] = windowRange(o.t, o.n, nowUs, SEGMENT_SECONDS);
  const seller = o.cols.seller as Float64Array;
  for (let i = a; i < b; i++) {
    const k = indexOf(seller[i]!);
    if (k < 0) continue;
    orders30[k] += 1;
    lastOrder[k] = o.t[i]!;
  }
  const segments = { power: 0, active: 0, occasional: 0, dormant: 0 };
  const approved = s.cols.approved as Float64Array;
  const churned = s.cols.churned as Float64Array;
  for (let k = 0; k < s.n; k++) {
    if (!(approved[k]! <= nowUs && churned[k]! > nowUs)) continue;
    const n = orders30[k]!;
    if (n >= th.power) segments.power += 1;
    else if (n >= th.active) segments.active += 1;
    else if (n >= 1) segments.occasional += 1;
    else segments.dormant += 1;
  }
  const out: Sample[] = Object.entries(segments).map(([segment, value]) => ({ metric: M.sellers, labels: { segment }, value }));
  const live = segments.power + segments.active + segments.occasional + segments.dormant;
  // A ratio with an empty denominator is not published: absent reads "no data", where 0 would read
  // "0 %, below benchmark" in dashboards, alerts and reports.
  if (live > 0) out.push({ metric: M.sellersActiveRatio, labels: {}, value: (live - segments.dormant) / live });
  for (const window of WINDOWS) {
    const start = nowUs - WINDOW_SECONDS[window] * US;
    let approvedIn = 0;
    let activated = 0;
    let liveAtStart = 0;
    let churnedIn = 0;
    for (let k = 0; k < s.n; k++) {
      // Approved inside the window: activated by an order after approval (it lies in the last 30 days).
      if (approved[k]! > start && approved[k]! <= nowUs) {
        approvedIn += 1;
        if (lastOrder[k]! > approved[k]!) activated += 1;
      }
      if (approved[k]! <= start && churned[k]! > start) {
        liveAtStart += 1;
        if (churned[k]! <= nowUs) churnedIn += 1;
      }
    }
    if (approvedIn > 0) out.push({ metric: M.sellerActivationRatio, labels: { window }, value: activated / approvedIn });
    if (liveAtStart > 0) out.push({ metric: M.sellerChurnRatio, labels: { window }, value: churnedIn / liveAtStart });
  }
  return out;
}

export const sellers: CollectorFactory = (config) => {
  const th = { power: config.thresholds.seller_segment_power_orders, active: config.thresholds.seller_segment_active_orders };
  const toOrder = (r: Record<string, unknown>): FactRow<OrderCol> => ({ id: Number(r.id), t: Number(r.t), seller: Number(r.seller_id) });
  const orderSpec: WindowSpec<OrderCol> = {
    columns: { seller: 'f64' },
    retainSeconds: Math.max(SEGMENT_SECONDS, ...WINDOWS.map((w) => WINDOW_SECONDS[w])),
    loadRange: (db, from, to, sink) => streamFacts(db, SELLER_ORDER_FACTS_SQL, [from, to], toOrder, sink),
    readChanged: async (db, from, to) => ({ rows: await queryFacts(db, SELLER_ORDER_FACTS_SQL, [from, to], toOrder) }),
  };
  const sellerSpec: WindowSpec<SellerCol> = {
    columns: { approved: 'f64', churned: 'f64' },
    retainSeconds: Infinity,
    loadRange: (db, from, to, sink) => streamFacts(db, SELLER_FACTS_SQL, [from, to], toSeller, sink),
    async readChanged(db, from, to, _minT, tail) {
      if (stamped) return { rows: (await db.query(SELLER_WRITTEN_SQL, [usToTimestamp(from), usToTimestamp(to)])).map(toSeller) };
      const { n, id, cols } = tail!.store.view();
      const listed: number[] = [];
      for (let i = 0; i < n; i++) {
        const ap = cols.approved[i]!;
        const ch = cols.churned[i]!;
        if ((ap > tail!.fromUs && ap !== Infinity) || (ch > tail!.fromUs && ch !== Infinity)) listed.push(id[i]!);
      }
      const rows = await db.query(SELLER_CHANGED_SQL, [usToTimestamp(from), usToTimestamp(to), usToTimestamp(tail!.fromUs), listed]);
      return { rows: rows.map(toSeller) };
    },
  };
  // Decided on the first cycle (collection.seller_changes, and whether sellers has updated_at).
  let stamped: boolean | null = null;
  const orders = new WindowFacts('sellers_orders', orderSpec);
  const people = new WindowFacts('sellers', sellerSpec);
  const noOrders = new FactStore(orderSpec.columns);
  const noSellers = new FactStore(sellerSpec.columns);
  return {
    name: 'sellers',
    usesDatabase: true,
    metrics: [M.sellers, M.sellersActiveRatio, M.sellerActivationRatio, M.sellerChurnRatio, M.rollupDrift, M.rollupStateBytes],
    windowStates: [people, orders],
    async collect({ db, log }) {
      stamped ??= await readsWriteStamps(stampsOf(config, 'sellers'), db, log, 'sellers', 're-reading sellers inside mutable_horizon');
      const settings = windowSettings(config);
      // Each store's full refresh measures its drift against the other store as it stands.
      await orders.cycle(db, settings, (store, now) => sellerSamples(people.store ?? noSellers, store, now, th), log);
      const nowUs = await people.cycle(db, settings, (store, now) => sellerSamples(store, orders.store ?? noOrders, now, th), log);
      return [...sellerSamples(people.store!, orders.store!, nowUs, th), ...people.selfSamples(), ...orders.selfSamples()];
    },
  };
};
