/**
 * Support and satisfaction: open tickets (partial index support_tickets_open_idx), tickets opened
 * (incremental on opened_at), CSAT of tickets closed per window and review rating per window.
 * Averages are absent for a window with nothing scored: no score is not a score of zero.
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import { IncrementalState } from './incremental';

export const SUPPORT_TICKETS_OPENED_SQL = `
  SELECT count(*) AS n
    FROM support_tickets
   WHERE opened_at > $1::timestamptz AND opened_at <= $2::timestamptz`;

export const SUPPORT_TICKETS_OPEN_SQL = `
  SELECT count(*) AS n FROM support_tickets WHERE closed_at IS NULL AND opened_at <= now()`;

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

export const support: CollectorFactory = (config) => {
  const state = new IncrementalState();
  return {
    name: 'support',
    usesDatabase: true,
    metrics: [M.supportTicketsOpen, M.supportTicketsTotal, M.csatScore, M.reviewRating],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        const [r] = await db.query(SUPPORT_TICKETS_OPENED_SQL, [from, to]);
        staged.add(M.supportTicketsTotal, {}, Number(r?.n ?? 0));
      });
      const out: Sample[] = [...state.totals.samples()];
      const [open] = await db.query(SUPPORT_TICKETS_OPEN_SQL);
      out.push({ metric: M.supportTicketsOpen, labels: {}, value: Number(open?.n ?? 0) });

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
  };
};
