/** Reference implementation (the full-window SQL of the collector before continuous aggregates): the ground truth the incremental collector is compared with. */
/**
 * Open tickets, CSAT of tickets closed per window and review rating per window (range scans on
 * support_tickets_closed_at_idx and reviews_created_at_idx over the longest window). Averages are
 * absent for a window with nothing scored.
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';

export const CSAT_SQL = `
  WITH t AS MATERIALIZED (
    SELECT closed_at, csat_score
      FROM support_tickets
     WHERE closed_at > now() - make_interval(secs => $3::double precision)
       AND closed_at <= now()
       AND csat_score IS NOT NULL
  )
  SELECT w.name AS window, count(t.csat_score) AS n, avg(t.csat_score)::float8 AS score
    FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
    LEFT JOIN t ON t.closed_at > now() - make_interval(secs => w.secs)
   GROUP BY w.name`;

export const REVIEW_RATING_SQL = `
  WITH r AS MATERIALIZED (
    SELECT created_at, rating
      FROM reviews
     WHERE created_at > now() - make_interval(secs => $3::double precision)
       AND created_at <= now()
  )
  SELECT w.name AS window, count(r.rating) AS n, avg(r.rating)::float8 AS score
    FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
    LEFT JOIN r ON r.created_at > now() - make_interval(secs => w.secs)
   GROUP BY w.name`;

/** Open tickets as METRICS.md defines them, counted whole (the partial index support_tickets_open_idx). */
export const OPEN_TICKETS_SQL = `SELECT count(*) AS n FROM support_tickets WHERE closed_at IS NULL AND opened_at <= now()`;

export const support: CollectorFactory = () => ({
  name: 'support',
  usesDatabase: true,
  metrics: [M.csatScore, M.reviewRating, M.supportTicketsOpen],
  async collect({ db }) {
    const [open] = await db.query(OPEN_TICKETS_SQL);
    const out: Sample[] = [{ metric: M.supportTicketsOpen, labels: {}, value: Number(open?.n) }];
    const secs = WINDOWS.map((w) => WINDOW_SECONDS[w]);
    const params = [WINDOWS, secs, Math.max(...secs)];
    for (const [metric, sql] of [
      [M.csatScore, CSAT_SQL],
      [M.reviewRating, REVIEW_RATING_SQL],
    ] as const) {
      for (const r of await db.query(sql, params)) {
        if (Number(r.n) > 0) out.push({ metric, labels: { window: String(r.window) }, value: Number(r.score) });
      }
    }
    return out;
  },
});
