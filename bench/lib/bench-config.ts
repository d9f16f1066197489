/**
 * The exporter configuration the benchmarks run: every built-in database collector (the default
 * set; payment provider pollers stay off, they need provider credentials), no start jitter, and a
 * few custom SQL metrics of the kind users declare, which widen /metrics to a realistic size.
 */
import { COLLECTOR_DEFAULTS, type CollectorName, COLLECTORS } from '../../exporter/src/collectors';
import type { Config } from '../../exporter/src/config/load';

/**
 * Custom metrics with bounded labels (category × currency × status and the like), each reading a
 * 24-hour window through the created_at index so their cost does not grow with history.
 */
export const BENCH_CUSTOM_METRICS = [
  {
    name: 'marketplace_custom_orders_last_24h',
    help: 'Orders created in the last 24 hours by category, currency and status (custom SQL metric).',
    type: 'gauge',
    labels: ['category', 'currency', 'status'],
    query: `SELECT category, currency, status, count(*) AS value FROM orders
             WHERE created_at > now() - interval '24 hours' GROUP BY 1, 2, 3`,
  },
  {
    name: 'marketplace_custom_order_value_last_24h',
    help: 'Value of orders created in the last 24 hours by category and currency, major units (custom SQL metric).',
    type: 'histogram',
    labels: ['category', 'currency'],
    value: 'amount',
    buckets: [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    query: `SELECT category, currency, total_amount AS amount FROM orders WHERE created_at > now() - interval '24 hours'`,
  },
  {
    name: 'marketplace_custom_payment_amount_last_24h',
    help: 'Amount of payments created in the last 24 hours by provider, currency and status, major units (custom SQL metric).',
    type: 'histogram',
    labels: ['provider', 'currency', 'status'],
    value: 'amount',
    buckets: [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    query: `SELECT provider, currency, status, amount FROM payments WHERE created_at > now() - interval '24 hours'`,
  },
  {
    name: 'marketplace_custom_page_load_last_24h_seconds',
    help: 'Page load time of page views in the last 24 hours by platform, channel and status class, seconds (custom SQL metric).',
    type: 'histogram',
    labels: ['platform', 'channel', 'status_class'],
    value: 'load_seconds',
    buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
    query: `SELECT s.platform, s.channel, (pv.http_status / 100) || 'xx' AS status_class, pv.load_time_ms / 1000.0 AS load_seconds
              FROM page_views pv JOIN sessions s ON s.id = pv.session_id
             WHERE pv.viewed_at > now() - interval '24 hours'`,
  },
] as const;

/** Built-in collectors enabled by default and present in this build (the others are listed as missing). */
export function defaultDatabaseCollectors(): { enabled: CollectorName[]; missing: CollectorName[] } {
  const enabled: CollectorName[] = [];
  const missing: CollectorName[] = [];
  for (const name of Object.keys(COLLECTOR_DEFAULTS) as CollectorName[]) {
    if (!COLLECTOR_DEFAULTS[name].enabled) continue;
    (COLLECTORS[name] ? enabled : missing).push(name);
  }
  return { enabled, missing };
}

/** The exporter's application_name on its database connections (the product default). */
export const EXPORTER_APPLICATION_NAME = 'marketplace-pulse';

export interface BenchConfigOptions {
  databaseUrl: string;
  /** Every collector's interval; 1 h keeps collectors quiet after their first cycle. */
  interval: string;
  customMetrics: boolean;
  port?: number;
  settleLag?: number;
  /** collection.seller_changes; the product's default when unset. */
  sellerChanges?: Config['collection']['seller_changes'];
  /** collection.cart_changes; the product's default when unset. */
  cartChanges?: Config['collection']['cart_changes'];
  /** collection.ticket_changes; the product's default when unset. */
  ticketChanges?: Config['collection']['ticket_changes'];
}

/** A raw config object (what the YAML file would hold), for parseConfig or for a child process. */
export function benchConfig(o: BenchConfigOptions): Record<string, unknown> {
  const { missing } = defaultDatabaseCollectors();
  const collectors: Record<string, unknown> = {};
  for (const name of Object.keys(COLLECTOR_DEFAULTS) as CollectorName[]) {
    collectors[name] =
      missing.includes(name) || !COLLECTOR_DEFAULTS[name].enabled ? { enabled: false } : { interval: o.interval, timeout: '600s' };
  }
  return {
    // connect_timeout also bounds the wait for a free pool connection: at start-up every collector
    // queues for one of pool_max connections behind the slow first cycles (see the report).
    database: { url: o.databaseUrl, statement_timeout: '600s', connect_timeout: '600s', application_name: EXPORTER_APPLICATION_NAME },
    listen: { address: '127.0.0.1', port: o.port ?? 0 },
    log: { level: 'warn' },
    demo: { mode: 'off' },
    collection: {
      settle_lag: o.settleLag ?? 0,
      start_jitter: 0,
      default_interval: o.interval,
      default_timeout: '600s',
      max_staleness: '2h',
      retry_backoff_initial: '1h',
      retry_backoff_max: '1h',
      ...(o.sellerChanges ? { seller_changes: o.sellerChanges } : {}),
      ...(o.cartChanges ? { cart_changes: o.cartChanges } : {}),
      ...(o.ticketChanges ? { ticket_changes: o.ticketChanges } : {}),
    },
    collectors,
    custom_metrics: o.customMetrics
      ? BENCH_CUSTOM_METRICS.map((m) => ({ ...m, labels: [...m.labels], ...('buckets' in m ? { buckets: [...m.buckets] } : {}) }))
      : [],
  };
}
