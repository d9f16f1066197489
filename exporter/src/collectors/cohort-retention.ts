/**
 * Weekly cohort retention for the last 12 complete signup weeks. Weeks are ISO weeks in UTC
 * (date_trunc('week') starts on Monday). Only users registered in those 12 weeks are read
 * (users_created_at_idx), and only their sessions in the same 12 weeks (sessions_user_started_idx).
 * Both queries run in one transaction, where now() is fixed, so they agree on the week boundaries.
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';

export const COHORT_WEEKS = 12;

// Week k of a timestamp before the current UTC week: 1 = [current - 1w, current), so a Monday 00:00
// belongs to the week it starts (ceil, not 1 + floor).
const weeksAgo = (col: string) => `ceil(extract(epoch FROM b.current_week - (${col} AT TIME ZONE 'UTC')) / 604800)::int`;

const BOUNDS = `
  b AS (
    SELECT date_trunc('week', now() AT TIME ZONE 'UTC') AS current_week,
           date_trunc('week', now() AT TIME ZONE 'UTC') - make_interval(weeks => $1::int) AS first_week
  )`;

export const COHORT_SIZES_SQL = `
  WITH ${BOUNDS}
  SELECT ${weeksAgo('u.created_at')} AS k, count(*) AS users
    FROM b
    JOIN users u
      ON u.created_at >= (b.first_week AT TIME ZONE 'UTC')
     AND u.created_at < (b.current_week AT TIME ZONE 'UTC')
   GROUP BY 1`;

export const COHORT_ACTIVE_SQL = `
  WITH ${BOUNDS},
  c AS (
    SELECT u.id, ${weeksAgo('u.created_at')} AS k
      FROM b
      JOIN users u
        ON u.created_at >= (b.first_week AT TIME ZONE 'UTC')
       AND u.created_at < (b.current_week AT TIME ZONE 'UTC')
  ),
  a AS (
    SELECT DISTINCT c.id, c.k, ${weeksAgo('s.started_at')} AS j
      FROM b
      CROSS JOIN c
      JOIN sessions s
        ON s.user_id = c.id
       AND s.started_at >= (b.first_week AT TIME ZONE 'UTC')
       AND s.started_at < (b.current_week AT TIME ZONE 'UTC')
  )
  SELECT k, k - j AS w, count(*) AS users
    FROM a
   WHERE j <= k   -- a session before signup week is not retention
   GROUP BY k, j`;

export const cohortRetention: CollectorFactory = () => ({
  name: 'cohort_retention',
  usesDatabase: true,
  metrics: [M.cohortRetentionRatio],
  async collect({ db }) {
    const sizes = new Map<number, number>();
    for (const r of await db.query(COHORT_SIZES_SQL, [COHORT_WEEKS])) sizes.set(Number(r.k), Number(r.users));
    const active = new Map<string, number>();
    for (const r of await db.query(COHORT_ACTIVE_SQL, [COHORT_WEEKS])) active.set(`${r.k}/${r.w}`, Number(r.users));
    const out: Sample[] = [];
    for (let k = 1; k <= COHORT_WEEKS; k++) {
      const size = sizes.get(k) ?? 0;
      for (let w = 0; w < k; w++) {
        const n = active.get(`${k}/${w}`) ?? 0;
        out.push({
          metric: M.cohortRetentionRatio,
          labels: { cohort_weeks_ago: String(k), weeks_since_signup: String(w) },
          value: size > 0 ? n / size : 0,
        });
      }
    }
    return out;
  },
});
