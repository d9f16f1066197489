/** Reference implementation (the full-window SQL of the collector before continuous aggregates): the ground truth the incremental collector is compared with. */
/**
 * Carts: abandoned carts as an incremental counter on carts.abandoned_at, and the abandonment ratio
 * per trailing window over carts created in it (one range scan on carts_created_at_idx).
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { IncrementalState } from '../../../exporter/src/collectors/incremental';

export const CARTS_ABANDONED_SQL = `
  SELECT count(*) AS n
    FROM carts
   WHERE abandoned_at > $1::timestamptz AND abandoned_at <= $2::timestamptz`;

export const CART_ABANDONMENT_SQL = `
  WITH c AS MATERIALIZED (
    SELECT created_at, status
      FROM carts
     WHERE created_at > now() - make_interval(secs => $3::double precision)
       AND created_at <= now()
  )
  SELECT w.name AS window,
         count(*) FILTER (WHERE c.status = 'abandoned') AS abandoned,
         count(*) FILTER (WHERE c.status <> 'open') AS closed
    FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
    LEFT JOIN c ON c.created_at > now() - make_interval(secs => w.secs)
   GROUP BY w.name`;

export const carts: CollectorFactory = (config) => {
  const state = new IncrementalState();
  return {
    name: 'carts',
    usesDatabase: true,
    metrics: [M.cartsAbandonedTotal, M.cartAbandonmentRatio],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        const [row] = await db.query(CARTS_ABANDONED_SQL, [from, to]);
        staged.add(M.cartsAbandonedTotal, {}, Number(row?.n ?? 0));
      });
      const secs = WINDOWS.map((w) => WINDOW_SECONDS[w]);
      const out: Sample[] = [...state.totals.samples()];
      for (const r of await db.query(CART_ABANDONMENT_SQL, [WINDOWS, secs, Math.max(...secs)])) {
        const closed = Number(r.closed);
        out.push({
          metric: M.cartAbandonmentRatio,
          labels: { window: String(r.window) },
          value: closed > 0 ? Number(r.abandoned) / closed : 0,
        });
      }
      return out;
    },
  };
};
