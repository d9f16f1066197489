/**
 * Login attempts by outcome and failure reason (incremental on occurred_at), and accounts over the
 * failed-login threshold per trailing window (credential stuffing) as a continuous aggregate
 * (./window-facts.ts): one fact per failed login of a known account in the last 30 days, holding the
 * account id. Login events never change, so a cycle reads only the events since the previous horizon.
 */
import { LOGIN_FAILURE_REASONS, M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import { IncrementalState } from './incremental';
import { fold } from '../metrics/labels';
import { type FactRow, type FactStore, queryFacts, streamFacts, usOf, windowRange, WindowFacts, type WindowSpec } from './window-facts';

export const LOGINS_SQL = `
  SELECT success, failure_reason, count(*) AS n
    FROM login_events
   WHERE occurred_at > $1::timestamptz AND occurred_at <= $2::timestamptz
   GROUP BY success, failure_reason`;

/** Failed logins of known accounts in ($1, $2] (login_events_occurred_at_idx). */
export const FAILED_LOGIN_FACTS_SQL = `
  SELECT id, ${usOf('occurred_at')} AS t, user_id
    FROM login_events
   WHERE occurred_at > $1::timestamptz AND occurred_at <= $2::timestamptz
     AND NOT success
     AND user_id IS NOT NULL`;

/** Reasons a failure may carry; `none` is reserved for successful logins. */
const FAILURE_REASONS: ReadonlySet<string> = new Set(LOGIN_FAILURE_REASONS.filter((r) => r !== 'none'));

type Col = 'user';

/**
 * Accounts with at least `threshold` facts in [a, b): the window's account ids sorted, then runs
 * counted. A sorted copy of one typed column, no per-account objects.
 */
export function accountsOverThreshold(user: Float64Array, a: number, b: number, threshold: number): number {
  const ids = user.slice(a, b).sort();
  let accounts = 0;
  for (let i = 0; i < ids.length; ) {
    let j = i + 1;
    while (j < ids.length && ids[j] === ids[i]) j++;
    if (j - i >= threshold) accounts += 1;
    i = j;
  }
  return accounts;
}

export const logins: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const threshold = config.thresholds.failed_login_attempts;
  const toFact = (r: Record<string, unknown>): FactRow<Col> => ({ id: Number(r.id), t: Number(r.t), user: Number(r.user_id) });
  const spec: WindowSpec<Col> = {
    columns: { user: 'f64' },
    retainSeconds: Math.max(...WINDOWS.map((w) => WINDOW_SECONDS[w])),
    loadRange: (db, from, to, sink) => streamFacts(db, FAILED_LOGIN_FACTS_SQL, [from, to], toFact, sink),
    readChanged: async (db, from, to) => ({ rows: await queryFacts(db, FAILED_LOGIN_FACTS_SQL, [from, to], toFact) }),
  };
  const evaluate = (store: FactStore<Col>, nowUs: number): Sample[] => {
    const { n, t, cols } = store.view();
    return WINDOWS.map((window) => {
      const [a, b] = windowRange(t, n, nowUs, WINDOW_SECONDS[window]);
      return {
        metric: M.accountsWithFailedLogins,
        labels: { window },
        value: accountsOverThreshold(cols.user as Float64Array, a, b, threshold),
      };
    });
  };
  const windows = new WindowFacts('logins', spec);
  return {
    name: 'logins',
    usesDatabase: true,
    metrics: [M.loginsTotal, M.accountsWithFailedLogins, M.rollupDrift, M.rollupStateBytes],
    windowStates: [windows],
    async collect({ db, log }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        staged.add(M.loginsTotal, { outcome: 'success', reason: 'none' }, 0);
        for (const r of await db.query(LOGINS_SQL, [from, to])) {
          const labels = r.success
            ? { outcome: 'success', reason: 'none' }
            : { outcome: 'failure', reason: fold(r.failure_reason, FAILURE_REASONS) };
          staged.add(M.loginsTotal, labels, Number(r.n));
        }
      });
      return [...state.totals.samples(), ...(await windows.samples(db, config, evaluate, log))];
    },
  };
};
