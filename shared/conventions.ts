/**
 * One typed module for benchmarks, SLO targets, selectors and uids, imported by dashboards, alert
 * rules and reports alike, so a panel's threshold and the alert on it can never disagree.
 */

/** Seed benchmarks (DESIGN §6). Ratios in 0..1, durations in seconds. */
export const BENCHMARKS = {
  uptimeRatio: 0.995,
  errorRatio: 0.01,
  responseSeconds: 2,
  sellerActivationRatio: 0.3,
  userActivationRatio: 0.3,
  sellersActiveRatio: 0.6,
  creditConsumptionLow: 0.6,
  creditConsumptionHigh: 0.8,
  paymentSuccessRatio: 0.95,
  csatScore: 4,
} as const;

/** Selectors for the exporter's own series, and label names dashboards/rules collapse replicas over. */
export const SELECTORS = {
  exporterJob: 'marketplace-pulse',
  blackboxJob: 'blackbox',
  /** Prometheus scraping itself, and Alertmanager: their self-metrics feed the monitoring alerts. */
  prometheusJob: 'prometheus',
  alertmanagerJob: 'alertmanager',
  /** HA: two exporter replicas publish identical numbers; collapse these labels first. */
  replicaLabels: ['instance', 'pod'],
} as const;

/** Provisioned datasource uids (Grafana) — dashboards reference these, provisioning creates them. */
export const DATASOURCES = {
  prometheus: { uid: 'marketplace-prometheus', name: 'Prometheus' },
  alertmanager: { uid: 'marketplace-alertmanager', name: 'Alertmanager' },
  /** Long-term store of the HA Prometheus pair (docker compose --profile ha); Prometheus-compatible API. */
  victoriametrics: { uid: 'marketplace-victoriametrics', name: 'VictoriaMetrics (long-term)' },
  /** Per-seller tables (never Prometheus labels): the marketplace database through a read-only role. */
  postgres: { uid: 'marketplace-postgres', name: 'Marketplace database' },
} as const;

/** Stable dashboard uids, also used for links between dashboards and from reports/alerts. */
export const DASHBOARD_UIDS = {
  executive: 'mp-executive',
  users: 'mp-users',
  orders: 'mp-orders-payments',
  sellers: 'mp-sellers',
  reliability: 'mp-reliability',
  security: 'mp-security',
  satisfaction: 'mp-satisfaction',
  exporter: 'mp-exporter',
  monthly: 'mp-monthly-report',
  sellerLeaderboard: 'mp-seller-leaderboard',
} as const;

/** Where runbooks live; alert rules stamp `${RUNBOOK_BASE_URL}/<AlertName>.md`. */
export const RUNBOOK_BASE_URL = 'https://github.com/marketplace-pulse/marketplace-pulse/blob/main/alerting/runbooks';
