/** Reference implementation (the full-window SQL of the collector before continuous aggregates): the ground truth the incremental collector is compared with. */
/**
 * Active users (DAU/WAU/MAU), user activation and usage frequency: window gauges recomputed each
 * cycle over the trailing windows only (index range scan on sessions.started_at).
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';

export const ACTIVE_USERS_SQL = `
  SELECT w.name AS window,
         count(DISTINCT s.user_id) AS active,
         count(s.id) AS sessions
    FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
    LEFT JOIN sessions s
      ON s.started_at > now() - make_interval(secs => w.secs)
     AND s.started_at <= now()
     AND s.user_id IS NOT NULL
   GROUP BY w.name`;

export const REGISTERED_USERS_SQL = `SELECT count(*) AS n FROM users WHERE created_at <= now()`;

export const activeUsers: CollectorFactory = () => ({
  name: 'active_users',
  usesDatabase: true,
  metrics: [M.activeUsers, M.userActivationRatio, M.usageFrequency],
  async collect({ db }) {
    const rows = await db.query(ACTIVE_USERS_SQL, [WINDOWS, WINDOWS.map((w) => WINDOW_SECONDS[w])]);
    const [{ n: registered }] = (await db.query<{ n: number }>(REGISTERED_USERS_SQL)) as [{ n: number }];
    const out: Sample[] = [];
    for (const r of rows) {
      const active = Number(r.active);
      const labels = { window: String(r.window) };
      out.push({ metric: M.activeUsers, labels, value: active });
      out.push({ metric: M.userActivationRatio, labels, value: registered > 0 ? active / registered : 0 });
      out.push({ metric: M.usageFrequency, labels, value: active > 0 ? Number(r.sessions) / active : 0 });
    }
    return out;
  },
});
