/**
 * Weekly cohort retention for the last 12 complete signup weeks. Weeks are ISO weeks in UTC
 * (date_trunc('week') starts on Monday). Only users registered in those 12 weeks are read
 * (users_created_at_idx), and only their sessions in the same 12 weeks (sessions_user_started_id_idx).
 * Both queries run in one transaction, where now() is fixed, so they agree on the week boundaries.
 * Every row they read has an event time before the current ISO week, so the result is computed once
 * per week once those rows are settled (./settled-period.ts).
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import type { Db } from '../runtime/db';
import { isoWeekStart, SettledPeriod } from './settled-period';
import { windowSettings } from './window-facts';

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

/** Ratio per (cohort k, weeks since signup w < k), k = 1..COHORT_WEEKS, in that order. */
async function cohortRatios(db: Db): Promise<Float64Array> {
  const sizes = new Map<number, number>();
  for (const r of await db.query(COHORT_SIZES_SQL, [COHORT_WEEKS])) sizes.set(Number(r.k), Number(r.users));
  const active = new Map<string, number>();
  for (const r of await db.query(COHORT_ACTIVE_SQL, [COHORT_WEEKS])) active.set(`${r.k}/${r.w}`, Number(r.users));
  const out = new Float64Array((COHORT_WEEKS * (COHORT_WEEKS + 1)) / 2);
  let i = 0;
  for (let k = 1; k <= COHORT_WEEKS; k++) {
    const size = sizes.get(k) ?? 0;
    for (let w = 0; w < k; w++) out[i++] = size > 0 ? (active.get(`${k}/${w}`) ?? 0) / size : 0;
  }
  return out;
}

export const cohortRetention: CollectorFactory = (config) => {
  const week = new SettledPeriod('cohort_retention', (COHORT_WEEKS * (COHORT_WEEKS + 1)) / 2, isoWeekStart, cohortRatios);
  return {
    name: 'cohort_retention',
    usesDatabase: true,
    metrics: [M.cohortRetentionRatio, M.rollupDrift, M.rollupStateBytes],
    async collect({ db, log }) {
      const values = await week.value(db, windowSettings(config), log);
      const out: Sample[] = [];
      let i = 0;
      for (let k = 1; k <= COHORT_WEEKS; k++) {
        for (let w = 0; w < k; w++) {
          out.push({
            metric: M.cohortRetentionRatio,
            labels: { cohort_weeks_ago: String(k), weeks_since_signup: String(w) },
            value: values[i++]!,
          });
        }
      }
      out.push(
        { metric: M.rollupDrift, labels: { collector: 'cohort_retention' }, value: week.drift },
        { metric: M.rollupStateBytes, labels: { collector: 'cohort_retention' }, value: week.bytes },
      );
      return out;
    },
  };
};
