/**
 * Classic day-N retention of the latest complete signup cohorts. Days are UTC calendar days computed
 * as dates (not "now minus 24h"), so the result does not depend on the session time zone or DST.
 * Reads one day of users per N (users_created_at_idx) and probes sessions_user_started_id_idx per user.
 *
 * The value only depends on users created on the cohort days and their sessions of yesterday: rows
 * whose event times are all before today's UTC midnight, so it is computed once per day once they
 * are settled (./settled-period.ts).
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import type { Db } from '../runtime/db';
import { SettledPeriod, utcDayStart } from './settled-period';
import { windowSettings } from './window-facts';

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

/** Ratio per N, in RETENTION_DAYS order. */
async function retentionRatios(db: Db): Promise<Float64Array> {
  const values = new Float64Array(RETENTION_DAYS.length);
  for (const r of await db.query(RETENTION_SQL, [RETENTION_DAYS])) {
    const cohort = Number(r.cohort);
    values[RETENTION_DAYS.indexOf(Number(r.day))] = cohort > 0 ? Number(r.retained) / cohort : 0;
  }
  return values;
}

export const retention: CollectorFactory = (config) => {
  const day = new SettledPeriod('retention', RETENTION_DAYS.length, utcDayStart, retentionRatios);
  return {
    name: 'retention',
    usesDatabase: true,
    metrics: [M.retentionRatio, M.rollupDrift, M.rollupStateBytes],
    async collect({ db, log }) {
      const values = await day.value(db, windowSettings(config), log);
      const out: Sample[] = RETENTION_DAYS.map((n, i) => ({ metric: M.retentionRatio, labels: { day: String(n) }, value: values[i]! }));
      out.push(
        { metric: M.rollupDrift, labels: { collector: 'retention' }, value: day.drift },
        { metric: M.rollupStateBytes, labels: { collector: 'retention' }, value: day.bytes },
      );
      return out;
    },
  };
};
