/**
 * SQL of the seller leaderboard (Grafana PostgreSQL datasource, read-only role). Per-seller figures
 * never become Prometheus labels: they are read from the data contract tables when the panel loads.
 * Each query is one grouped pass (no per-seller round trips) bounded by the dashboard's time range
 * through Grafana's macros; the "as of" instant is the range end, so a past range shows that past.
 */

/** Thresholds of the leaderboard panels; the low-credit share matches the exporter's default. */
export const LEADERBOARD = {
  /** Rows per table. */
  limit: 20,
  /** At-risk sellers need at least this many orders in the range (a 1-of-2 refund rate is noise). */
  atRiskMinOrders: 20,
  /** Refund or return rate (share of the range's orders) from which a seller is at risk. */
  atRiskRate: 0.05,
  /** Dormant: live sellers with no order in this many days before the range end. */
  dormantDays: 90,
  /** Low credit: less than this share of the granted credits left (thresholds.low_seller_credit_ratio). */
  lowCreditRatio: 0.1,
} as const;

/** Live at the range end: approved, not churned. */
const LIVE_AT_END = `s.approved_at <= $__timeTo() AND (s.churned_at IS NULL OR s.churned_at > $__timeTo())`;

/** Top sellers by GMV in the range, per currency (amounts are not added across currencies). */
export const TOP_SELLERS_SQL = `
SELECT o.seller_id AS "Seller",
       o.currency AS "Currency",
       count(*) AS "Orders",
       sum(o.total_amount) AS "GMV",
       round(sum(o.total_amount) / count(*), 2) AS "AOV"
  FROM orders o
 WHERE o.created_at >= $__timeFrom() AND o.created_at < $__timeTo()
 GROUP BY o.seller_id, o.currency
 ORDER BY sum(o.total_amount) DESC, o.seller_id, o.currency
 LIMIT ${LEADERBOARD.limit}`;

/**
 * At risk: of the seller's orders placed in the range, the share with a refund (on any of its payments)
 * or a return recorded in the range; only sellers with enough orders. Set-based: the range's refunds
 * and returns are read once through their created_at indexes and hash-joined, never probed per order.
 */
export const AT_RISK_SQL = `
WITH placed AS (
  SELECT o.id, o.seller_id FROM orders o
   WHERE o.created_at >= $__timeFrom() AND o.created_at < $__timeTo()
), refunded AS (
  SELECT DISTINCT p.order_id FROM refunds r JOIN payments p ON p.id = r.payment_id
   WHERE r.created_at >= $__timeFrom() AND r.created_at < $__timeTo()
), returned AS (
  SELECT DISTINCT rt.order_id FROM returns rt
   WHERE rt.created_at >= $__timeFrom() AND rt.created_at < $__timeTo()
), per_seller AS (
  SELECT pl.seller_id, count(*) AS orders, count(rf.order_id) AS refunded, count(rt.order_id) AS returned
    FROM placed pl
    LEFT JOIN refunded rf ON rf.order_id = pl.id
    LEFT JOIN returned rt ON rt.order_id = pl.id
   GROUP BY pl.seller_id
)
SELECT seller_id AS "Seller",
       orders AS "Orders",
       refunded AS "Refunded orders",
       round(refunded::numeric / orders, 4) AS "Refund rate",
       returned AS "Returned orders",
       round(returned::numeric / orders, 4) AS "Return rate"
  FROM per_seller
 WHERE orders >= ${LEADERBOARD.atRiskMinOrders}
   AND (refunded >= ${LEADERBOARD.atRiskRate} * orders OR returned >= ${LEADERBOARD.atRiskRate} * orders)
 ORDER BY greatest(refunded, returned)::numeric / orders DESC, seller_id
 LIMIT ${LEADERBOARD.limit}`;

/** Dormant: live sellers with no order in the last 90 days before the range end, longest silent first. */
export const DORMANT_SQL = `
SELECT s.id AS "Seller",
       s.approved_at AS "Approved",
       (SELECT max(o.created_at) FROM orders o WHERE o.seller_id = s.id AND o.created_at < $__timeTo()) AS "Last order"
  FROM sellers s
 WHERE ${LIVE_AT_END}
   AND NOT EXISTS (SELECT 1 FROM orders o
                    WHERE o.seller_id = s.id
                      AND o.created_at >= $__timeTo()::timestamptz - interval '${LEADERBOARD.dormantDays} days'
                      AND o.created_at < $__timeTo())
 ORDER BY 3 NULLS FIRST, s.id
 LIMIT ${LEADERBOARD.limit}`;

/** Low credit: live sellers with credits granted and less than 10 % of them left (credits are current state). */
export const LOW_CREDIT_SQL = `
SELECT s.id AS "Seller",
       s.credits_total AS "Credits granted",
       s.credits_used AS "Credits used",
       s.credits_total - s.credits_used AS "Credits left",
       round((s.credits_total - s.credits_used)::numeric / s.credits_total, 4) AS "Share left"
  FROM sellers s
 WHERE ${LIVE_AT_END}
   AND s.credits_total > 0
   AND s.credits_total - s.credits_used < ${LEADERBOARD.lowCreditRatio} * s.credits_total
 ORDER BY 5, s.id
 LIMIT ${LEADERBOARD.limit}`;
