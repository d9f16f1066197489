import { fixed, fromConfig, metric, WINDOWS } from './types';

const area = 'orders & revenue' as const;
const window = fixed(...WINDOWS);
const currency = fromConfig('currencies');

export const ordersTotal = metric({
  name: 'marketplace_orders_total',
  type: 'counter',
  unit: 'count',
  help: 'Orders placed, by currency.',
  labels: { currency },
  area,
  collector: 'orders',
  source: 'orders.created_at, orders.currency',
  definition:
    'One per `orders` row at `created_at`, whatever its later status (cancellations and refunds are tracked by their own metrics).',
});

export const gmvTotal = metric({
  name: 'marketplace_gmv_total',
  type: 'counter',
  unit: 'currency',
  help: 'Gross merchandise value of orders placed, in major currency units.',
  labels: { currency },
  area,
  collector: 'orders',
  source: 'orders.total_amount',
  definition:
    'Sum of `total_amount` over orders placed (same rows as `marketplace_orders_total`). Net GMV = GMV - `marketplace_refunded_amount_total`.',
});

export const orderValue = metric({
  name: 'marketplace_order_value',
  type: 'histogram',
  unit: 'currency',
  help: 'Order value distribution by currency (average order value = _sum / _count).',
  labels: { currency },
  area,
  collector: 'orders',
  source: 'orders.total_amount',
  definition: 'Observed once per order placed. AOV over any range = `increase(_sum) / increase(_count)`.',
  buckets: [10, 25, 50, 100, 200, 500, 1000, 2500, 5000],
});

export const highValueOrdersTotal = metric({
  name: 'marketplace_high_value_orders_total',
  type: 'counter',
  unit: 'count',
  help: 'Orders at or above the configured high-value threshold of their currency.',
  labels: { currency },
  area,
  collector: 'orders',
  source: 'orders.total_amount',
  definition: 'Orders placed with `total_amount >= thresholds.high_value_order[currency]` (default 500 in every currency).',
});

export const ordersByCategoryTotal = metric({
  name: 'marketplace_orders_by_category_total',
  type: 'counter',
  unit: 'count',
  help: 'Orders placed by product category (allow-listed top categories, the rest as other).',
  labels: { category: fromConfig('categories') },
  area,
  collector: 'orders',
  source: 'orders.category',
  definition: 'Orders placed, grouped by `category`; categories outside `allow_lists.categories` count as `other`.',
});

export const cartsAbandonedTotal = metric({
  name: 'marketplace_carts_abandoned_total',
  type: 'counter',
  unit: 'count',
  help: 'Carts abandoned.',
  labels: {},
  area,
  collector: 'carts',
  source: 'carts.abandoned_at',
  definition:
    'One per cart at `abandoned_at` (set by the marketplace when a cart expires without checkout); a cart with no `abandoned_at` is not counted.',
});

export const cartAbandonmentRatio = metric({
  name: 'marketplace_cart_abandonment_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Share of carts created in the window that were abandoned.',
  labels: { window },
  area,
  collector: 'carts',
  source: 'carts.created_at, carts.status',
  definition:
    'Carts created in the window with status `abandoned` / carts created in the window that are no longer `open` (converted + abandoned); 0 when none.',
});

export const refundsTotal = metric({
  name: 'marketplace_refunds_total',
  type: 'counter',
  unit: 'count',
  help: 'Refunds issued, by currency and reason.',
  labels: { currency, reason: fromConfig('refund_reasons') },
  area,
  collector: 'refunds',
  source: 'refunds.created_at, currency, reason',
  definition:
    'One per `refunds` row at `created_at` (partial refunds count individually); reasons outside the allow-list count as `other`.',
});

export const refundedAmountTotal = metric({
  name: 'marketplace_refunded_amount_total',
  type: 'counter',
  unit: 'currency',
  help: 'Amount refunded, in major currency units.',
  labels: { currency },
  area,
  collector: 'refunds',
  source: 'refunds.amount',
  definition: 'Sum of `refunds.amount` over the same rows as `marketplace_refunds_total`.',
});

export const returnsTotal = metric({
  name: 'marketplace_returns_total',
  type: 'counter',
  unit: 'count',
  help: 'Product returns, by reason.',
  labels: { reason: fromConfig('return_reasons') },
  area,
  collector: 'returns',
  source: 'returns.created_at, reason',
  definition: 'One per `returns` row at `created_at`; reasons outside the allow-list count as `other`.',
});

export const arpu = metric({
  name: 'marketplace_arpu',
  type: 'gauge',
  unit: 'currency',
  help: 'Average revenue per active user in the window, by currency.',
  labels: { window, currency },
  area,
  collector: 'revenue',
  source: 'orders, sessions',
  definition:
    'GMV of orders placed in the window (per currency) / `marketplace_active_users{window}` (distinct signed-in users with a session started in the window; 0 when nobody was active). Every allow-listed currency is published, `other` when such orders exist.',
});

export const repeatPurchaseRatio = metric({
  name: 'marketplace_repeat_purchase_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Share of buyers in the window who had already ordered before.',
  labels: { window },
  area,
  collector: 'revenue',
  source: 'orders.user_id, orders.created_at',
  definition:
    'Distinct buyers with an order in the window who also have an order created at or before the window start / distinct buyers in the window; 0 when none.',
});

export const recurringRevenue = metric({
  name: 'marketplace_recurring_revenue',
  type: 'gauge',
  unit: 'currency',
  help: 'Monthly recurring revenue from active seller subscriptions, by currency.',
  labels: { currency },
  area,
  collector: 'revenue',
  source: 'subscriptions',
  definition: 'Sum of `amount_monthly` over subscriptions with `started_at <= now` and no `cancelled_at` (or one in the future).',
});
