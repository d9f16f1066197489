/**
 * Classic day-N retention of the latest complete signup cohorts. Days are UTC calendar days computed
 * as dates (not "now minus 24h"), so the result does not depend on the session time zone or DST.
 * Reads one day of users per N (users_created_at_idx) and probes sessions_user_started_idx per user.
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';

export const RETENTION_DAYS = M.retentionRatio.labels.day.kind === 'fixed' ? M.retentionRatio.labels.day.values.map(Number) : [];

export const RETENTION_SQL = `
  WITH d AS (
    SELECT n,
           ((now() AT TIME ZONE 'UTC')::date - 1) AS yesterday,
           ((now() AT TIME ZONE 'UTC')::date - 1 - n) AS cohort_day
      FROM unnest($1::int[]) AS n
  )
  SELECT d.n AS day,
         count(u.id) AS cohort,
         count(u.id) FILTER (WHERE EXISTS (
           SELECT 1 FROM sessions s
            WHERE s.user_id = u.id
              AND s.started_at >= (d.yesterday::timestamp AT TIME ZONE 'UTC')
              AND s.started_at < ((d.yesterday + 1)::timestamp AT TIME ZONE 'UTC'))) AS retained
    FROM d
    LEFT JOIN users u
      ON u.created_at >= (d.cohort_day::timestamp AT TIME ZONE 'UTC')
     AND u.created_at < ((d.cohort_day + 1)::timestamp AT TIME ZONE 'UTC')
   GROUP BY d.n`;

export const retention: CollectorFactory = () => ({
  name: 'retention',
  usesDatabase: true,
  metrics: [M.retentionRatio],
  async collect({ db }) {
    const out: Sample[] = [];
    for (const r of await db.query(RETENTION_SQL, [RETENTION_DAYS])) {
      const cohort = Number(r.cohort);
      out.push({ metric: M.retentionRatio, labels: { day: String(r.day) }, value: cohort > 0 ? Number(r.retained) / cohort : 0 });
    }
    return out;
  },
});
