/**
 * Orders placed: counts, GMV, order-value histogram, high-value orders, orders by category.
 * Incremental on orders.created_at.
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState, bucketColumns, bucketValues } from './incremental';
import { allowList, fold } from '../metrics/labels';

const buckets = M.orderValue.buckets!;

export const ORDERS_BY_CURRENCY_SQL = `
  SELECT currency,
         count(*) AS orders,
         coalesce(sum(total_amount), 0) AS gmv,
         count(*) FILTER (WHERE total_amount >= coalesce(($3::jsonb ->> currency)::numeric, $4::numeric)) AS high_value,
         ${bucketColumns('total_amount', buckets)}
    FROM orders
   WHERE created_at > $1::timestamptz AND created_at <= $2::timestamptz
   GROUP BY currency`;

export const ORDERS_BY_CATEGORY_SQL = `
  SELECT category, count(*) AS orders
    FROM orders
   WHERE created_at > $1::timestamptz AND created_at <= $2::timestamptz
   GROUP BY category`;

export const orders: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const currencies = allowList(config, 'currencies');
  const categories = allowList(config, 'categories');
  const { default: defaultThreshold = 500, ...perCurrency } = config.thresholds.high_value_order;
  return {
    name: 'orders',
    usesDatabase: true,
    metrics: [M.ordersTotal, M.gmvTotal, M.orderValue, M.highValueOrdersTotal, M.ordersByCategoryTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        const rows = await db.query(ORDERS_BY_CURRENCY_SQL, [from, to, JSON.stringify(perCurrency), defaultThreshold]);
        for (const r of rows) {
          const labels = { currency: fold(String(r.currency).trim(), currencies) };
          staged.add(M.ordersTotal, labels, Number(r.orders));
          staged.add(M.gmvTotal, labels, Number(r.gmv));
          staged.add(M.highValueOrdersTotal, labels, Number(r.high_value));
          staged.addHistogram(M.orderValue, labels, bucketValues(r, buckets), Number(r.gmv), Number(r.orders));
        }
        for (const r of await db.query(ORDERS_BY_CATEGORY_SQL, [from, to])) {
          staged.add(M.ordersByCategoryTotal, { category: fold(r.category, categories) }, Number(r.orders));
        }
      });
      return state.totals.samples();
    },
  };
};
