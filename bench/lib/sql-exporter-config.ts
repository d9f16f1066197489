/**
 * The naive setup issue 10 compares the exporter with: sql_exporter 0.4.5 (Debian's
 * prometheus-sql-exporter, justwatchcom's config format) running twelve business queries every 30 s,
 * each written straight from its METRICS.md definition as full-window SQL over the same database.
 * sql_exporter exposes a query as `sql_<name>` with a `col` label per value column plus driver, host,
 * database, user and sql_job labels; the names here are the catalogue's, so `sql_marketplace_…`.
 */
import YAML from 'yaml';
import { M } from '../../shared/catalogue';

/** The 1d/7d/30d windows as rows, for queries that publish one series per window. */
const WINDOWS = `(VALUES ('1d', interval '1 day'), ('7d', interval '7 days'), ('30d', interval '30 days')) AS w(name, span)`;
/** Live sellers: approved by now and not churned (or churning in the future). */
const LIVE_SELLERS = `s.approved_at <= now() AND (s.churned_at IS NULL OR s.churned_at > now())`;

export interface NaiveQuery {
  /** Catalogue family the query computes (sql_exporter prefixes `sql_`). */
  name: string;
  help: string;
  labels: string[];
  query: string;
}

export const NAIVE_QUERIES: readonly NaiveQuery[] = [
  {
    name: M.activeUsers.name,
    help: M.activeUsers.help,
    labels: ['window'],
    query: `SELECT w.name AS "window", count(DISTINCT s.user_id)::float AS value
              FROM ${WINDOWS}
              LEFT JOIN sessions s ON s.started_at > now() - w.span AND s.started_at <= now() AND s.user_id IS NOT NULL
             GROUP BY w.name`,
  },
  {
    name: M.visitors.name,
    help: M.visitors.help,
    labels: ['window', 'visitor_type'],
    // New: the visitor's first-ever session is inside the window; returning otherwise.
    query: `SELECT w.name AS "window", CASE WHEN v.first_at > now() - w.span THEN 'new' ELSE 'returning' END AS visitor_type,
                   count(*)::float AS value
              FROM ${WINDOWS}
              JOIN (SELECT visitor_id, min(started_at) AS first_at, max(started_at) AS last_at
                      FROM sessions WHERE started_at <= now() GROUP BY visitor_id) v ON v.last_at > now() - w.span
             GROUP BY 1, 2`,
  },
  {
    name: M.bounceRatio.name,
    help: M.bounceRatio.help,
    labels: ['window'],
    query: `SELECT w.name AS "window", coalesce(avg((pv.views = 1)::int), 0)::float AS value
              FROM ${WINDOWS}
              LEFT JOIN (SELECT s.started_at, count(*) AS views FROM sessions s JOIN page_views p ON p.session_id = s.id
                          WHERE s.started_at > now() - interval '30 days' AND s.started_at <= now() GROUP BY s.id) pv
                ON pv.started_at > now() - w.span
             GROUP BY w.name`,
  },
  {
    name: M.conversionRatio.name,
    help: M.conversionRatio.help,
    labels: ['window', 'channel'],
    query: `WITH s AS MATERIALIZED (
              SELECT s.started_at, s.channel::text AS channel, EXISTS (SELECT 1 FROM orders o WHERE o.session_id = s.id) AS ordered
                FROM sessions s WHERE s.started_at > now() - interval '30 days' AND s.started_at <= now())
            SELECT w.name AS "window", s.channel, avg(s.ordered::int)::float AS value
              FROM ${WINDOWS} JOIN s ON s.started_at > now() - w.span
             GROUP BY 1, 2`,
  },
  {
    name: M.funnelSessions.name,
    help: M.funnelSessions.help,
    labels: ['window', 'step'],
    query: `WITH s AS MATERIALIZED (
              SELECT s.started_at,
                     EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id AND e.type = 'product_view') AS product_view,
                     EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id AND e.type = 'add_to_cart') AS add_to_cart,
                     EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id AND e.type = 'checkout') AS checkout,
                     EXISTS (SELECT 1 FROM orders o JOIN payments p ON p.order_id = o.id
                              WHERE o.session_id = s.id AND p.succeeded_at IS NOT NULL) AS paid
                FROM sessions s WHERE s.started_at > now() - interval '30 days' AND s.started_at <= now())
            SELECT w.name AS "window", st.step, count(*) FILTER (WHERE st.reached)::float AS value
              FROM ${WINDOWS}
              JOIN s ON s.started_at > now() - w.span
              CROSS JOIN LATERAL (VALUES ('visit', true), ('product_view', s.product_view), ('add_to_cart', s.add_to_cart),
                                         ('checkout', s.checkout), ('paid', s.paid)) AS st(step, reached)
             GROUP BY 1, 2`,
  },
  {
    name: M.arpu.name,
    help: M.arpu.help,
    labels: ['window', 'currency'],
    query: `WITH gmv AS (SELECT w.name, o.currency::text AS currency, sum(o.total_amount) AS amount
                          FROM ${WINDOWS} JOIN orders o ON o.created_at > now() - w.span AND o.created_at <= now()
                         GROUP BY 1, 2),
                 active AS (SELECT w.name, count(DISTINCT s.user_id) AS users
                              FROM ${WINDOWS}
                              LEFT JOIN sessions s ON s.started_at > now() - w.span AND s.started_at <= now() AND s.user_id IS NOT NULL
                             GROUP BY 1)
            SELECT g.name AS "window", g.currency, coalesce(g.amount / nullif(a.users, 0), 0)::float AS value
              FROM gmv g JOIN active a USING (name)`,
  },
  {
    name: M.cartAbandonmentRatio.name,
    help: M.cartAbandonmentRatio.help,
    labels: ['window'],
    query: `SELECT w.name AS "window",
                   coalesce(count(*) FILTER (WHERE c.status = 'abandoned')::float
                            / nullif(count(*) FILTER (WHERE c.status <> 'open'), 0), 0) AS value
              FROM ${WINDOWS}
              LEFT JOIN carts c ON c.created_at > now() - w.span AND c.created_at <= now()
             GROUP BY w.name`,
  },
  {
    name: M.repeatPurchaseRatio.name,
    help: M.repeatPurchaseRatio.help,
    labels: ['window'],
    query: `WITH buyers AS (SELECT DISTINCT w.name, w.span, o.user_id
                             FROM ${WINDOWS} JOIN orders o ON o.created_at > now() - w.span AND o.created_at <= now())
            SELECT w.name AS "window",
                   coalesce(avg((EXISTS (SELECT 1 FROM orders p WHERE p.user_id = b.user_id AND p.created_at <= now() - b.span))::int)
                              FILTER (WHERE b.user_id IS NOT NULL), 0)::float AS value
              FROM ${WINDOWS} LEFT JOIN buyers b ON b.name = w.name
             GROUP BY w.name`,
  },
  {
    name: M.ordersTotal.name,
    help: M.ordersTotal.help,
    labels: ['currency'],
    query: `SELECT currency::text AS currency, count(*)::float AS value FROM orders WHERE created_at <= now() GROUP BY 1`,
  },
  {
    name: M.gmvTotal.name,
    help: M.gmvTotal.help,
    labels: ['currency'],
    query: `SELECT currency::text AS currency, sum(total_amount)::float AS value FROM orders WHERE created_at <= now() GROUP BY 1`,
  },
  {
    name: M.sellers.name,
    help: M.sellers.help,
    labels: ['segment'],
    // Segment thresholds are the defaults (thresholds.seller_segment_power_orders 20, …_active_orders 5).
    query: `SELECT CASE WHEN coalesce(o.orders, 0) >= 20 THEN 'power' WHEN coalesce(o.orders, 0) >= 5 THEN 'active'
                        WHEN coalesce(o.orders, 0) >= 1 THEN 'occasional' ELSE 'dormant' END AS segment,
                   count(*)::float AS value
              FROM sellers s
              LEFT JOIN (SELECT seller_id, count(*) AS orders FROM orders
                          WHERE created_at > now() - interval '30 days' AND created_at <= now() GROUP BY 1) o ON o.seller_id = s.id
             WHERE ${LIVE_SELLERS}
             GROUP BY 1`,
  },
  {
    name: M.sellerCredits.name,
    help: M.sellerCredits.help,
    labels: ['state'],
    query: `SELECT st.state, st.value::float AS value
              FROM (SELECT coalesce(sum(s.credits_total), 0) AS total, coalesce(sum(s.credits_used), 0) AS used
                      FROM sellers s WHERE ${LIVE_SELLERS}) c
              CROSS JOIN LATERAL (VALUES ('total', c.total), ('used', c.used), ('unallocated', c.total - c.used)) AS st(state, value)`,
  },
];

/** sql_exporter's config: one job, every query every `interval`, read-only sessions on `databaseUrl`. */
export function sqlExporterConfig(databaseUrl: string, interval = '30s'): string {
  const url = new URL(databaseUrl);
  // lib/pq insists on TLS unless told otherwise; the benchmark server is local.
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  return YAML.stringify({
    jobs: [
      {
        name: 'marketplace',
        interval,
        connections: [url.toString()],
        startup_sql: ['SET default_transaction_read_only = on'],
        queries: NAIVE_QUERIES.map((q) => ({ name: q.name, help: q.help, labels: q.labels, values: ['value'], query: q.query })),
      },
    ],
  });
}
