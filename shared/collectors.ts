/**
 * Every built-in collector's name, as a const tuple: the catalogue types `MetricDef.collector` with it
 * and the exporter's registry (exporter/src/collectors/index.ts) `satisfies` a record over it, so a
 * misspelt name is a compile error on either side. The defaults sit in that registry, beside each factory.
 */
export const COLLECTOR_NAMES = [
  'users',
  'active_users',
  'visitors',
  'sessions',
  'page_views',
  'events',
  'bounce',
  'retention',
  'cohort_retention',
  'funnel',
  'orders',
  'carts',
  'refunds',
  'returns',
  'revenue',
  'payments',
  'sellers',
  'seller_onboarding',
  'seller_credits',
  'support',
  'bug_reports',
  'incidents',
  'logins',
  'audit',
  'stripe',
  'paypal',
  'reconciliation',
] as const;

export type CollectorName = (typeof COLLECTOR_NAMES)[number];

/**
 * What publishes a metric: a built-in collector, the exporter runtime itself, the report scheduler (its
 * own process), or a custom SQL metric's collector (named after the metric in config).
 */
export type Producer = CollectorName | 'runtime' | 'reports' | `custom:${string}`;
