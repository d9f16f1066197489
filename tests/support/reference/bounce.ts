/** Reference implementation (the full-window SQL of the collector before continuous aggregates): the ground truth the incremental collector is compared with. */
/**
 * Bounce ratio per trailing window. Sessions of the longest window are read once (range scan on
 * sessions_started_at_idx) and each one's page views are counted up to two through
 * page_views_session_idx: "none, one or more" is all the ratio needs.
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';

export const BOUNCE_SQL = `
  WITH s AS MATERIALIZED (
    SELECT s.started_at,
           (SELECT count(*) FROM (SELECT 1 FROM page_views pv WHERE pv.session_id = s.id LIMIT 2) two) AS views
      FROM sessions s
     WHERE s.started_at > now() - make_interval(secs => $3::double precision)
       AND s.started_at <= now()
  )
  SELECT w.name AS window,
         count(*) FILTER (WHERE s.views = 1) AS bounced,
         count(*) FILTER (WHERE s.views >= 1) AS viewed
    FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
    LEFT JOIN s ON s.started_at > now() - make_interval(secs => w.secs)
   GROUP BY w.name`;

export const bounce: CollectorFactory = () => ({
  name: 'bounce',
  usesDatabase: true,
  metrics: [M.bounceRatio],
  async collect({ db }) {
    const secs = WINDOWS.map((w) => WINDOW_SECONDS[w]);
    const rows = await db.query(BOUNCE_SQL, [WINDOWS, secs, Math.max(...secs)]);
    const out: Sample[] = [];
    for (const r of rows) {
      const viewed = Number(r.viewed);
      out.push({ metric: M.bounceRatio, labels: { window: String(r.window) }, value: viewed > 0 ? Number(r.bounced) / viewed : 0 });
    }
    return out;
  },
});
