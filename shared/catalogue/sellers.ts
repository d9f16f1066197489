import { fixed, metric, WINDOWS } from './types';

const area = 'sellers' as const;
const window = fixed(...WINDOWS);

export const SELLER_SEGMENTS = ['power', 'active', 'occasional', 'dormant'] as const;

export const sellers = metric({
  name: 'marketplace_sellers',
  type: 'gauge',
  unit: 'count',
  help: 'Live sellers (approved, not churned) by activity segment over the last 30 days.',
  labels: { segment: fixed(...SELLER_SEGMENTS) },
  area,
  collector: 'sellers',
  source: 'sellers, orders.seller_id',
  definition:
    'Live sellers (`approved_at <= now` and no `churned_at`, or one in the future) grouped by orders received in the last 30 days: `power` >= thresholds.seller_segment_power_orders (default 20), `active` >= thresholds.seller_segment_active_orders (default 5), `occasional` >= 1, `dormant` 0. Every segment is published, 0 included.',
});

export const sellerApplicationsTotal = metric({
  name: 'marketplace_seller_applications_total',
  type: 'counter',
  unit: 'count',
  help: 'Seller applications received.',
  labels: {},
  area,
  collector: 'seller_onboarding',
  source: 'sellers.applied_at',
  definition: 'One per `sellers` row at `applied_at`.',
});

export const sellersApprovedTotal = metric({
  name: 'marketplace_sellers_approved_total',
  type: 'counter',
  unit: 'count',
  help: 'Seller applications approved.',
  labels: {},
  area,
  collector: 'seller_onboarding',
  source: 'sellers.approved_at',
  definition: 'One per seller at `approved_at`.',
});

export const sellersChurnedTotal = metric({
  name: 'marketplace_sellers_churned_total',
  type: 'counter',
  unit: 'count',
  help: 'Sellers that left the marketplace.',
  labels: {},
  area,
  collector: 'seller_onboarding',
  source: 'sellers.churned_at',
  definition: 'One per seller at `churned_at`. Seller growth = increase(approved) - increase(churned).',
});

export const sellerActivationRatio = metric({
  name: 'marketplace_seller_activation_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Share of sellers approved in the window who made a first sale (benchmark >= 0.30).',
  labels: { window },
  area,
  collector: 'sellers',
  source: 'sellers.approved_at, orders.seller_id',
  definition:
    'Sellers approved in the window with at least one order created after `approved_at` (up to now) / sellers approved in the window; not published (no data) when none was approved.',
});

export const sellerChurnRatio = metric({
  name: 'marketplace_seller_churn_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Share of sellers live at the start of the window who churned during it.',
  labels: { window },
  area,
  collector: 'sellers',
  source: 'sellers.approved_at, churned_at',
  definition:
    'Of the sellers live at the window start (approved at or before it, not churned by it), the share whose `churned_at` falls in the window. A seller approved and churned inside the window is in neither side. Not published (no data) when nobody was live at the start.',
});

export const sellersActiveRatio = metric({
  name: 'marketplace_sellers_active_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Share of live sellers with at least one order in the last 30 days (benchmark >= 0.60).',
  labels: {},
  area,
  collector: 'sellers',
  source: 'sellers, orders.seller_id',
  definition: '(power + active + occasional) / all live sellers; not published (no data) when there are no live sellers.',
});

export const sellerCredits = metric({
  name: 'marketplace_seller_credits',
  type: 'gauge',
  unit: 'count',
  help: 'Listing credits across live sellers: total granted, used, and still unallocated.',
  labels: { state: fixed('total', 'used', 'unallocated') },
  area,
  collector: 'seller_credits',
  source: 'sellers.credits_total, credits_used',
  definition: 'Over live sellers: `total` = sum(credits_total), `used` = sum(credits_used), `unallocated` = total - used.',
});

export const sellerCreditConsumptionRatio = metric({
  name: 'marketplace_seller_credit_consumption_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Used credits / granted credits across live sellers (ideal 0.60-0.80).',
  labels: {},
  area,
  collector: 'seller_credits',
  source: 'sellers.credits_total, credits_used',
  definition: 'sum(credits_used) / sum(credits_total) over live sellers (0 when no credits were granted).',
});

export const sellersLowCredit = metric({
  name: 'marketplace_sellers_low_credit',
  type: 'gauge',
  unit: 'count',
  help: 'Live sellers with less than the low-credit threshold (default 10 %) of their credits left.',
  labels: {},
  area,
  collector: 'seller_credits',
  source: 'sellers.credits_total, credits_used',
  definition:
    'Live sellers with credits_total > 0 and (credits_total - credits_used) < thresholds.low_seller_credit_ratio * credits_total.',
});
