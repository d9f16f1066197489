/** Reference implementation (the full-window SQL of the collector before continuous aggregates): the ground truth the incremental collector is compared with. */
/**
 * Distinct visitors per trailing window, split into new and returning. Reads only sessions started
 * inside the longest window (range scan on sessions_started_at_idx); the "seen before?" test is one
 * index probe per visitor on sessions_visitor_started_id_idx.
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';

export const VISITORS_SQL = `
  WITH w AS (
    SELECT name, now() - make_interval(secs => secs) AS since
      FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
  ),
  v AS (
    SELECT DISTINCT w.name, w.since, s.visitor_id
      FROM w
      JOIN sessions s ON s.started_at > w.since AND s.started_at <= now()
  )
  SELECT w.name AS window,
         count(v.visitor_id) FILTER (WHERE v.seen_before) AS returning,
         count(v.visitor_id) FILTER (WHERE NOT v.seen_before) AS new
    FROM w
    LEFT JOIN LATERAL (
      SELECT v.visitor_id,
             EXISTS (SELECT 1 FROM sessions p WHERE p.visitor_id = v.visitor_id AND p.started_at <= v.since) AS seen_before
        FROM v
       WHERE v.name = w.name
    ) v ON true
   GROUP BY w.name`;

export const visitors: CollectorFactory = () => ({
  name: 'visitors',
  usesDatabase: true,
  metrics: [M.visitors],
  async collect({ db }) {
    const rows = await db.query(VISITORS_SQL, [WINDOWS, WINDOWS.map((w) => WINDOW_SECONDS[w])]);
    const out: Sample[] = [];
    for (const r of rows) {
      const window = String(r.window);
      out.push({ metric: M.visitors, labels: { visitor_type: 'new', window }, value: Number(r.new) });
      out.push({ metric: M.visitors, labels: { visitor_type: 'returning', window }, value: Number(r.returning) });
    }
    return out;
  },
});
