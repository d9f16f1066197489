/**
 * Every built-in collector, its on/off default and default schedule, in one map. An unknown name in
 * `collectors:` config is a start-up error (the config schema is built from these keys).
 */
export const COLLECTOR_DEFAULTS = {
  users: { enabled: true, interval: 30 },
  active_users: { enabled: true, interval: 60 },
  visitors: { enabled: true, interval: 120 },
  sessions: { enabled: true, interval: 30 },
  page_views: { enabled: true, interval: 30 },
  events: { enabled: true, interval: 30 },
  bounce: { enabled: true, interval: 120 },
  retention: { enabled: true, interval: 600 },
  cohort_retention: { enabled: true, interval: 3600 },
  funnel: { enabled: true, interval: 120 },
  orders: { enabled: true, interval: 30 },
  carts: { enabled: true, interval: 60 },
  refunds: { enabled: true, interval: 30 },
  returns: { enabled: true, interval: 60 },
  revenue: { enabled: true, interval: 300 },
  payments: { enabled: true, interval: 15 },
  sellers: { enabled: true, interval: 300 },
  seller_onboarding: { enabled: true, interval: 60 },
  seller_credits: { enabled: true, interval: 120 },
  support: { enabled: true, interval: 60 },
  bug_reports: { enabled: true, interval: 60 },
  incidents: { enabled: true, interval: 15 },
  logins: { enabled: true, interval: 15 },
  audit: { enabled: true, interval: 15 },
  // Payment provider pollers: off unless configured (they need credentials).
  stripe: { enabled: false, interval: 60 },
  paypal: { enabled: false, interval: 60 },
  reconciliation: { enabled: false, interval: 300 },
} as const satisfies Record<string, { enabled: boolean; interval: number }>;

export type CollectorName = keyof typeof COLLECTOR_DEFAULTS;
export const COLLECTOR_NAMES = Object.keys(COLLECTOR_DEFAULTS) as [CollectorName, ...CollectorName[]];
