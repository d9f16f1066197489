/**
 * Per-seller SQL: one grouped pass per measure over the period, never one query per seller.
 * Periods are half-open [$1, $2) local-midnight instants; every measure is keyed by seller and
 * currency (the order's currency, or the refund's/payment's own currency for money that moved).
 */

/** Orders created in the period: count and GMV (all statuses, like the exporter's orders and GMV counters). */
export const SELLER_ORDERS_SQL = `
  SELECT seller_id, currency, count(*) AS orders, coalesce(sum(total_amount), 0) AS gmv
    FROM orders
   WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz
   GROUP BY seller_id, currency`;

/** Refunds issued in the period, whenever their order was placed. */
export const SELLER_REFUNDS_SQL = `
  SELECT o.seller_id, r.currency, count(*) AS refunds, coalesce(sum(r.amount), 0) AS refunded
    FROM refunds r
    JOIN payments p ON p.id = r.payment_id
    JOIN orders o ON o.id = p.order_id
   WHERE r.created_at >= $1::timestamptz AND r.created_at < $2::timestamptz
   GROUP BY o.seller_id, r.currency`;

export const SELLER_RETURNS_SQL = `
  SELECT o.seller_id, o.currency, count(*) AS returns
    FROM returns x
    JOIN orders o ON o.id = x.order_id
   WHERE x.created_at >= $1::timestamptz AND x.created_at < $2::timestamptz
   GROUP BY o.seller_id, o.currency`;

export const SELLER_REVIEWS_SQL = `
  SELECT o.seller_id, o.currency, count(*) AS reviews, sum(v.rating) AS rating_sum
    FROM reviews v
    JOIN orders o ON o.id = v.order_id
   WHERE v.created_at >= $1::timestamptz AND v.created_at < $2::timestamptz
   GROUP BY o.seller_id, o.currency`;

/**
 * Payment outcomes reached in the period (a status counts when it happens, like the exporter). The
 * seller is looked up per payment through the orders primary key: a month's payments are a small
 * slice, and a join let the planner hash the whole orders table.
 */
export const SELLER_PAYMENTS_SQL = `
  SELECT (SELECT o.seller_id FROM orders o WHERE o.id = p.order_id) AS seller_id, p.currency,
         count(*) FILTER (WHERE p.succeeded_at >= $1::timestamptz AND p.succeeded_at < $2::timestamptz) AS succeeded,
         count(*) FILTER (WHERE p.failed_at >= $1::timestamptz AND p.failed_at < $2::timestamptz) AS failed
    FROM payments p
   WHERE (p.succeeded_at >= $1::timestamptz AND p.succeeded_at < $2::timestamptz)
      OR (p.failed_at >= $1::timestamptz AND p.failed_at < $2::timestamptz)
   GROUP BY 1, 2`;

/** Each seller's orders in the 30 and 90 days before `end` (a parameter): the segment inputs. */
const ordersLast30And90Days = (end: string) => `
    LEFT JOIN (
      SELECT seller_id,
             count(*) FILTER (WHERE created_at >= ${end}::timestamptz - interval '30 days') AS n30,
             count(*) AS n90
        FROM orders
       WHERE created_at >= ${end}::timestamptz - interval '90 days' AND created_at < ${end}::timestamptz
       GROUP BY seller_id
    ) a ON a.seller_id = s.id`;

/**
 * Every seller approved before the period end, with its orders in the 30 and 90 days before the
 * period end (segment). Credits are the sellers table's current values: the contract keeps no history.
 */
export const SELLER_LIST_SQL = `
  SELECT s.id, s.applied_at, s.approved_at, s.churned_at, s.credits_total, s.credits_used,
         coalesce(a.n30, 0) AS n30, coalesce(a.n90, 0) AS n90
    FROM sellers s
${ordersLast30And90Days('$1')}
   ORDER BY s.id`;

/** Breakdown rows for the PDF scorecards: refund, return and payment-failure reasons per seller. */
export const SELLER_REASONS_SQL = `
  SELECT 'refund' AS kind, o.seller_id, r.reason, count(*) AS n
    FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN orders o ON o.id = p.order_id
   WHERE r.created_at >= $1::timestamptz AND r.created_at < $2::timestamptz
   GROUP BY o.seller_id, r.reason
  UNION ALL
  SELECT 'return', o.seller_id, x.reason, count(*)
    FROM returns x JOIN orders o ON o.id = x.order_id
   WHERE x.created_at >= $1::timestamptz AND x.created_at < $2::timestamptz
   GROUP BY o.seller_id, x.reason
  UNION ALL
  SELECT 'payment_failure', o.seller_id, coalesce(p.failure_code, 'unknown'), count(*)
    FROM payments p JOIN orders o ON o.id = p.order_id
   WHERE p.failed_at >= $1::timestamptz AND p.failed_at < $2::timestamptz
   GROUP BY o.seller_id, coalesce(p.failure_code, 'unknown')`;

/** Monthly orders and GMV per seller and currency over the trend window (local months). */
export const SELLER_TREND_SQL = `
  SELECT seller_id, currency, to_char(created_at AT TIME ZONE $3, 'YYYY-MM') AS month,
         count(*) AS orders, coalesce(sum(total_amount), 0) AS gmv
    FROM orders
   WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz
   GROUP BY 1, 2, 3`;

/** Whether the contract offers the optional sellers.email column (scorecard delivery). */
export const SELLER_EMAIL_COLUMN_SQL = `
  SELECT count(*) > 0 AS present
    FROM information_schema.columns
   WHERE table_name = 'sellers' AND column_name = 'email' AND table_schema = ANY (current_schemas(false))`;

export const SELLER_EMAILS_SQL = `SELECT id, email FROM sellers WHERE email IS NOT NULL AND email <> ''`;

/** Accounting seller list: every seller, its orders in the period and the segment inputs. $1/$2 period. */
export const SELLER_EXPORT_SQL = `
  SELECT s.id, s.applied_at, s.approved_at, s.churned_at, s.credits_total, s.credits_used,
         coalesce(p.n, 0) AS orders, coalesce(a.n30, 0) AS n30, coalesce(a.n90, 0) AS n90
    FROM sellers s
    LEFT JOIN (
      SELECT seller_id, count(*) AS n FROM orders
       WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz GROUP BY seller_id
    ) p ON p.seller_id = s.id
${ordersLast30And90Days('$2')}
   ORDER BY s.id`;

/**
 * Transaction log: one line per payment status reached in the period (a payment that succeeded in
 * October and was refunded in November is in October's log as succeeded and in November's as
 * refunded). Each branch is a range scan of its status-timestamp index.
 */
export const TRANSACTION_LOG_SQL = `
  SELECT t.payment_id, p.provider, p.provider_ref, t.status, t.status_at, p.amount, p.currency, p.order_id, o.seller_id
    FROM (
      SELECT id AS payment_id, 'succeeded' AS status, succeeded_at AS status_at FROM payments
       WHERE succeeded_at >= $1::timestamptz AND succeeded_at < $2::timestamptz
      UNION ALL
      SELECT id, 'failed', failed_at FROM payments WHERE failed_at >= $1::timestamptz AND failed_at < $2::timestamptz
      UNION ALL
      SELECT id, 'refunded', refunded_at FROM payments WHERE refunded_at >= $1::timestamptz AND refunded_at < $2::timestamptz
      UNION ALL
      SELECT id, 'disputed', disputed_at FROM payments WHERE disputed_at >= $1::timestamptz AND disputed_at < $2::timestamptz
    ) t
    JOIN payments p ON p.id = t.payment_id
    JOIN orders o ON o.id = p.order_id
   ORDER BY t.status_at, t.payment_id, t.status`;
