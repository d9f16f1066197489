/**
 * Revenue gauges: ARPU and repeat-purchase ratio per trailing window (range scans on
 * orders_created_at_idx; a new order's previous one and the buyer's first come from the store's entity
 * index, buyer → latest fact, and only for buyers without a fact kept from orders_user_created_id_idx), and
 * monthly recurring revenue from active seller subscriptions, kept as a running sum (./recurring-revenue.ts).
 * ARPU divides by active_users' count of signed-in users: with active_users enabled, the two read one
 * store of signed-in sessions (./shared-window-facts.ts); without it, revenue keeps its own copy
 * (`revenue_active_users`).
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import { activeUserFacts, activeUsersByWindow, type WindowCounts } from './active-users';
import type { Db } from '../runtime/db';
import type { Logger } from '../runtime/logger';
import { RunningMrr } from './recurring-revenue';
import { allowList, fold } from '../metrics/labels';
import {
  type FactStore,
  LONGEST_WINDOW_SECONDS,
  streamFacts,
  readLinked,
  keyOf,
  linkedLoadSql,
  linkedFirstSql,
  nextOf,
  windowSlices,
  windowSettings,
  type WindowSettings,
  WindowFacts,
  type FactRow,
  type WindowSpec,
  type LinkedRows,
} from './window-facts';

/**
 * Orders linked per buyer (orders_user_created_id_idx), with the buyer's first order: GMV per window is
 * a sum of facts, buyers per window count each buyer once through their latest order, and a buyer
 * repeats when their first order is at or before the window start.
 */
export const BUYER_ORDERS: LinkedRows = {
  table: 'orders',
  key: 'user_id',
  time: 'created_at',
  extra: ['currency', 'total_amount'],
  first: true,
  keyKind: 'int8',
};

/** Their entity's first row by id, where the facts read so far do not hold it. */
export const ORDER_FIRST_SQL = linkedFirstSql(BUYER_ORDERS);

/** First load: the linked facts of ($1, $2], set-based. */
export const ORDER_FACTS_LOAD_SQL = linkedLoadSql(BUYER_ORDERS);

type Col = 'cur' | 'amount' | 'next' | 'first' | 'khi' | 'klo';

export const revenue: CollectorFactory = (config, shared) => {
  const currencies = allowList(config, 'currencies');
  const cur = (v: unknown) => fold(v === null || v === undefined ? v : String(v).trim(), currencies);
  const curLabels = [...new Set([...currencies, cur('\u0000')])];
  const curIndex = new Map(curLabels.map((c, i) => [c, i]));
  const toFact = (r: Record<string, unknown>): FactRow<Col> => ({
    id: Number(r.id),
    t: Number(r.t),
    cur: curIndex.get(cur(r.currency))!,
    amount: Number(r.total_amount),
    next: nextOf(r),
    first: Number(r.first_t),
    ...keyOf(r),
  });
  const spec: WindowSpec<Col> = {
    columns: { cur: 'u8', amount: 'f64', next: 'f64', first: 'f64', khi: 'u32', klo: 'u32' },
    entityKey: { hi: 'khi', lo: 'klo', next: 'next' },
    retainSeconds: LONGEST_WINDOW_SECONDS,
    loadRange: (db, from, to, sink) => streamFacts(db, ORDER_FACTS_LOAD_SQL, [from, to], toFact, sink),
    readChanged: readLinked<Col>(BUYER_ORDERS, toFact, 'next', 'first'),
  };
  const orders = new WindowFacts('revenue', spec);
  // ARPU's denominator: active_users' signed-in sessions when it is enabled too (read together, its
  // self-metrics and state file are active_users'), else a copy of our own, published as ours.
  const together = shared?.activeUserFacts;
  const ownActive = together ? null : activeUserFacts('revenue_active_users');
  const recurring = new RunningMrr('revenue_mrr');
  const activeByWindow = activeUsersByWindow();
  const activeCounts = async (db: Db, settings: WindowSettings, log: Logger): Promise<WindowCounts> => {
    if (together) return together.read(db, settings, activeByWindow, log);
    const usersNow = await ownActive!.cycle(db, settings, () => [], log);
    return activeByWindow(ownActive!.store!, usersNow);
  };

  let activeNow: WindowCounts = new Map();
  const evaluate = (store: FactStore<Col>, nowUs: number): Sample[] => {
    const { n, t, cols } = store.view();
    const out: Sample[] = [];
    for (const { window, a, b, since } of windowSlices(t, n, nowUs)) {
      const gmv = new Float64Array(curLabels.length);
      const seen = new Uint8Array(curLabels.length);
      let buyers = 0;
      let repeat = 0;
      for (let i = a; i < b; i++) {
        gmv[cols.cur[i]!] += cols.amount[i]!;
        seen[cols.cur[i]!] = 1;
        if (cols.next[i]! <= nowUs) continue;
        buyers += 1;
        if (cols.first[i]! <= since) repeat += 1;
      }
      const users = activeNow.get(window)?.active ?? 0;
      curLabels.forEach((currency, k) => {
        // Allow-listed currencies always; `other` only when an order had one.
        if (currencies.has(currency) || seen[k])
          out.push({ metric: M.arpu, labels: { window, currency }, value: users > 0 ? gmv[k]! / users : 0 });
      });
      out.push({ metric: M.repeatPurchaseRatio, labels: { window }, value: buyers > 0 ? repeat / buyers : 0 });
    }
    return out;
  };

  return {
    name: 'revenue',
    usesDatabase: true,
    metrics: [M.arpu, M.repeatPurchaseRatio, M.recurringRevenue, M.rollupDrift, M.rollupStateBytes],
    windowStates: ownActive ? [orders, ownActive] : [orders],
    async collect({ db, log }) {
      const settings = windowSettings(config);
      activeNow = await activeCounts(db, settings, log);
      const nowUs = await orders.cycle(db, settings, evaluate, log);
      const out: Sample[] = [...evaluate(orders.store!, nowUs), ...orders.selfSamples(), ...(ownActive?.selfSamples() ?? [])];

      // In cents until published; a currency outside the allow-list shows while it has active subscriptions.
      const mrr = new Map<string, number>([...currencies].map((c) => [c, 0]));
      for (const [raw, t] of await recurring.cycle(db, nowUs, settings, cur)) {
        if (t.n > 0) mrr.set(cur(raw), (mrr.get(cur(raw)) ?? 0) + t.cents);
      }
      for (const [currency, cents] of mrr) out.push({ metric: M.recurringRevenue, labels: { currency }, value: cents / 100 });
      out.push(...recurring.selfSamples());
      return out;
    },
  };
};
