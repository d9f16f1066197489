/** Reference implementation (the full-window SQL of the collector before continuous aggregates): the ground truth the incremental collector is compared with. */
/**
 * Seller gauges: live sellers by 30-day activity segment, active share, and per-window activation
 * and churn ratios. A live seller's orders are counted through orders_seller_created_idx and capped
 * at the power threshold (the segment only needs to know "at least N").
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';

const LIVE = `approved_at <= now() AND (churned_at IS NULL OR churned_at > now())`;

export const SELLER_SEGMENTS_SQL = `
  WITH live AS MATERIALIZED (
    SELECT (SELECT count(*) FROM (
              SELECT 1 FROM orders o
               WHERE o.seller_id = s.id
                 AND o.created_at > now() - interval '30 days' AND o.created_at <= now()
               LIMIT $1) capped) AS n
      FROM sellers s
     WHERE ${LIVE}
  )
  SELECT count(*) FILTER (WHERE n >= $1) AS power,
         count(*) FILTER (WHERE n >= $2 AND n < $1) AS active,
         count(*) FILTER (WHERE n >= 1 AND n < $2) AS occasional,
         count(*) FILTER (WHERE n = 0) AS dormant
    FROM live`;

export const SELLER_ACTIVATION_SQL = `
  SELECT w.name AS window,
         count(s.id) AS approved,
         count(s.id) FILTER (
           WHERE EXISTS (SELECT 1 FROM orders o
                          WHERE o.seller_id = s.id AND o.created_at > s.approved_at AND o.created_at <= now())
         ) AS activated
    FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
    LEFT JOIN sellers s
      ON s.approved_at > now() - make_interval(secs => w.secs)
     AND s.approved_at <= now()
   GROUP BY w.name`;

/** Denominator: live at window start. Numerator: those of them whose churned_at falls in the window. */
export const SELLER_CHURN_SQL = `
  WITH w AS (
    SELECT name, now() - make_interval(secs => secs) AS start
      FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
  )
  SELECT w.name AS window,
         count(s.id) AS live_at_start,
         count(s.id) FILTER (WHERE s.churned_at <= now()) AS churned
    FROM w
    LEFT JOIN sellers s
      ON s.approved_at <= w.start
     AND (s.churned_at IS NULL OR s.churned_at > w.start)
   GROUP BY w.name`;

export const sellers: CollectorFactory = (config) => {
  const power = config.thresholds.seller_segment_power_orders;
  const active = config.thresholds.seller_segment_active_orders;
  return {
    name: 'sellers',
    usesDatabase: true,
    metrics: [M.sellers, M.sellersActiveRatio, M.sellerActivationRatio, M.sellerChurnRatio],
    async collect({ db }) {
      const out: Sample[] = [];
      const [seg] = await db.query(SELLER_SEGMENTS_SQL, [power, active]);
      const counts = {
        power: Number(seg?.power ?? 0),
        active: Number(seg?.active ?? 0),
        occasional: Number(seg?.occasional ?? 0),
        dormant: Number(seg?.dormant ?? 0),
      };
      for (const [segment, value] of Object.entries(counts)) out.push({ metric: M.sellers, labels: { segment }, value });
      const live = counts.power + counts.active + counts.occasional + counts.dormant;
      // A ratio with an empty denominator is not published: absent reads "no data", where 0 would read
      // "0 %, below benchmark" in dashboards, alerts and reports.
      if (live > 0) out.push({ metric: M.sellersActiveRatio, labels: {}, value: (live - counts.dormant) / live });

      const secs = WINDOWS.map((w) => WINDOW_SECONDS[w]);
      for (const r of await db.query(SELLER_ACTIVATION_SQL, [WINDOWS, secs])) {
        const approved = Number(r.approved);
        if (approved > 0)
          out.push({ metric: M.sellerActivationRatio, labels: { window: String(r.window) }, value: Number(r.activated) / approved });
      }
      for (const r of await db.query(SELLER_CHURN_SQL, [WINDOWS, secs])) {
        const base = Number(r.live_at_start);
        if (base > 0) out.push({ metric: M.sellerChurnRatio, labels: { window: String(r.window) }, value: Number(r.churned) / base });
      }
      return out;
    },
  };
};
