/** Reference implementation (the full-window SQL of the collector before continuous aggregates): the ground truth the incremental collector is compared with. */
/**
 * Revenue gauges: ARPU and repeat-purchase ratio per trailing window (range scans on
 * orders_created_at_idx; the "ordered before" check probes orders_user_created_id_idx per buyer), and
 * monthly recurring revenue from active seller subscriptions.
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { ACTIVE_USERS_SQL } from './active-users';
import { allowList, fold } from '../../../exporter/src/metrics/labels';

export const GMV_BY_WINDOW_SQL = `
  WITH o AS MATERIALIZED (
    SELECT created_at, currency, total_amount
      FROM orders
     WHERE created_at > now() - make_interval(secs => $3::double precision)
       AND created_at <= now()
  )
  SELECT w.name AS window, o.currency, sum(o.total_amount) AS gmv
    FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
    JOIN o ON o.created_at > now() - make_interval(secs => w.secs)
   GROUP BY w.name, o.currency`;

/**
 * One range scan for the longest window gives each buyer's latest order in it; each buyer's first
 * order ever is one index probe (orders_user_created_id_idx). A buyer belongs to a window when the
 * latest order is inside it, and repeats when the first order is at or before the window start.
 */
export const REPEAT_PURCHASE_SQL = `
  WITH w AS (
    SELECT name, now() - make_interval(secs => secs) AS start
      FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
  ),
  buyers AS MATERIALIZED (
    SELECT user_id, max(created_at) AS last_at
      FROM orders
     WHERE created_at > now() - make_interval(secs => $3::double precision)
       AND created_at <= now()
     GROUP BY user_id
  ),
  f AS MATERIALIZED (
    SELECT b.user_id, b.last_at, (SELECT min(p.created_at) FROM orders p WHERE p.user_id = b.user_id) AS first_at
      FROM buyers b
  )
  SELECT w.name AS window,
         count(f.user_id) AS buyers,
         count(f.user_id) FILTER (WHERE f.first_at <= w.start) AS repeat_buyers
    FROM w
    LEFT JOIN f ON f.last_at > w.start
   GROUP BY w.name`;

export const RECURRING_REVENUE_SQL = `
  SELECT currency, sum(amount_monthly) AS mrr
    FROM subscriptions
   WHERE started_at <= now()
     AND (cancelled_at IS NULL OR cancelled_at > now())
   GROUP BY currency`;

export const revenue: CollectorFactory = (config) => {
  const currencies = allowList(config, 'currencies');
  const cur = (v: unknown) => fold(v === null || v === undefined ? v : String(v).trim(), currencies);
  return {
    name: 'revenue',
    usesDatabase: true,
    metrics: [M.arpu, M.repeatPurchaseRatio, M.recurringRevenue],
    async collect({ db }) {
      const secs = WINDOWS.map((w) => WINDOW_SECONDS[w]);
      const out: Sample[] = [];

      const active = new Map<string, number>();
      for (const r of await db.query(ACTIVE_USERS_SQL, [WINDOWS, secs])) active.set(String(r.window), Number(r.active));
      // window -> folded currency -> GMV; every allow-listed currency is present (0 when no orders).
      const gmv = new Map<string, Map<string, number>>(WINDOWS.map((w) => [w, new Map([...currencies].map((c) => [c, 0]))]));
      for (const r of await db.query(GMV_BY_WINDOW_SQL, [WINDOWS, secs, Math.max(...secs)])) {
        const byCur = gmv.get(String(r.window))!;
        const c = cur(r.currency);
        byCur.set(c, (byCur.get(c) ?? 0) + Number(r.gmv));
      }
      for (const [window, byCur] of gmv) {
        const users = active.get(window) ?? 0;
        for (const [currency, sum] of byCur) out.push({ metric: M.arpu, labels: { window, currency }, value: users > 0 ? sum / users : 0 });
      }

      for (const r of await db.query(REPEAT_PURCHASE_SQL, [WINDOWS, secs, Math.max(...secs)])) {
        const buyers = Number(r.buyers);
        out.push({
          metric: M.repeatPurchaseRatio,
          labels: { window: String(r.window) },
          value: buyers > 0 ? Number(r.repeat_buyers) / buyers : 0,
        });
      }

      const mrr = new Map<string, number>([...currencies].map((c) => [c, 0]));
      for (const r of await db.query(RECURRING_REVENUE_SQL)) {
        const c = cur(r.currency);
        mrr.set(c, (mrr.get(c) ?? 0) + Number(r.mrr));
      }
      for (const [currency, value] of mrr) out.push({ metric: M.recurringRevenue, labels: { currency }, value });
      return out;
    },
  };
};
