/** Reference implementation (the full-window SQL of the collector before continuous aggregates): the ground truth the incremental collector is compared with. */
/**
 * Accounts over the failed-login threshold per trailing window (credential stuffing): one range scan
 * on login_events_occurred_at_idx over the longest window.
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';

export const ACCOUNTS_WITH_FAILED_LOGINS_SQL = `
  WITH w AS (
    SELECT name, now() - make_interval(secs => secs) AS start
      FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
  ),
  f AS MATERIALIZED (
    SELECT user_id, occurred_at
      FROM login_events
     WHERE occurred_at > now() - make_interval(secs => $3::double precision)
       AND occurred_at <= now()
       AND NOT success
       AND user_id IS NOT NULL
  ),
  flagged AS (
    SELECT w.name, f.user_id
      FROM w JOIN f ON f.occurred_at > w.start
     GROUP BY w.name, f.user_id
    HAVING count(*) >= $4::int
  )
  SELECT w.name AS window, count(flagged.user_id) AS accounts
    FROM w LEFT JOIN flagged ON flagged.name = w.name
   GROUP BY w.name`;

export const logins: CollectorFactory = (config) => ({
  name: 'logins',
  usesDatabase: true,
  metrics: [M.accountsWithFailedLogins],
  async collect({ db }) {
    const secs = WINDOWS.map((w) => WINDOW_SECONDS[w]);
    const rows = await db.query(ACCOUNTS_WITH_FAILED_LOGINS_SQL, [
      WINDOWS,
      secs,
      Math.max(...secs),
      config.thresholds.failed_login_attempts,
    ]);
    const out: Sample[] = [];
    for (const r of rows) out.push({ metric: M.accountsWithFailedLogins, labels: { window: String(r.window) }, value: Number(r.accounts) });
    return out;
  },
});
