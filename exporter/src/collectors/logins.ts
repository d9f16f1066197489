/**
 * Login attempts by outcome and failure reason (incremental on occurred_at), and accounts over the
 * failed-login threshold per trailing window (credential stuffing): one range scan on
 * login_events_occurred_at_idx over the longest window.
 */
import { LOGIN_FAILURE_REASONS, M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import { IncrementalState } from './incremental';
import { fold } from '../metrics/labels';

export const LOGINS_SQL = `
  SELECT success, failure_reason, count(*) AS n
    FROM login_events
   WHERE occurred_at > $1::timestamptz AND occurred_at <= $2::timestamptz
   GROUP BY success, failure_reason`;

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

/** Reasons a failure may carry; `none` is reserved for successful logins. */
const FAILURE_REASONS: ReadonlySet<string> = new Set(LOGIN_FAILURE_REASONS.filter((r) => r !== 'none'));

export const logins: CollectorFactory = (config) => {
  const state = new IncrementalState();
  return {
    name: 'logins',
    usesDatabase: true,
    metrics: [M.loginsTotal, M.accountsWithFailedLogins],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        staged.add(M.loginsTotal, { outcome: 'success', reason: 'none' }, 0);
        for (const r of await db.query(LOGINS_SQL, [from, to])) {
          const labels = r.success
            ? { outcome: 'success', reason: 'none' }
            : { outcome: 'failure', reason: fold(r.failure_reason, FAILURE_REASONS) };
          staged.add(M.loginsTotal, labels, Number(r.n));
        }
      });
      const secs = WINDOWS.map((w) => WINDOW_SECONDS[w]);
      const out: Sample[] = [...state.totals.samples()];
      const rows = await db.query(ACCOUNTS_WITH_FAILED_LOGINS_SQL, [
        WINDOWS,
        secs,
        Math.max(...secs),
        config.thresholds.failed_login_attempts,
      ]);
      for (const r of rows)
        out.push({ metric: M.accountsWithFailedLogins, labels: { window: String(r.window) }, value: Number(r.accounts) });
      return out;
    },
  };
};
