/**
 * Bug reports: open by severity (partial index bug_reports_open_idx) and received by severity
 * (incremental on reported_at). Unknown severities fold to `other`.
 */
import { BUG_SEVERITIES, M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState } from './incremental';
import { openBySeverity } from './open-by-severity';
import { fold } from '../metrics/labels';

export const BUG_REPORTS_RECEIVED_SQL = `
  SELECT severity, count(*) AS n
    FROM bug_reports
   WHERE reported_at > $1::timestamptz AND reported_at <= $2::timestamptz
   GROUP BY severity`;

/**
 * Open reports reported by now(), as every open report (an index-only scan of bug_reports_open_idx)
 * minus the open ones reported in the future (bug_reports_reported_at_idx, usually none): testing
 * reported_at on each open report would fetch every one of them from the heap. Both counts share
 * the statement's snapshot; openBySeverity adds the two rows of a severity.
 */
export const BUG_REPORTS_OPEN_SQL = `
  SELECT severity, count(*) AS n
    FROM bug_reports
   WHERE resolved_at IS NULL
   GROUP BY severity
  UNION ALL
  SELECT severity, -count(*)
    FROM bug_reports
   WHERE resolved_at IS NULL AND reported_at > now()
   GROUP BY severity`;

const SEVERITIES: ReadonlySet<string> = new Set(BUG_SEVERITIES);

export const bugReports: CollectorFactory = (config) => {
  const state = new IncrementalState();
  return {
    name: 'bug_reports',
    usesDatabase: true,
    metrics: [M.bugReportsOpen, M.bugReportsTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        for (const severity of BUG_SEVERITIES) staged.add(M.bugReportsTotal, { severity }, 0);
        for (const r of await db.query(BUG_REPORTS_RECEIVED_SQL, [from, to])) {
          staged.add(M.bugReportsTotal, { severity: fold(r.severity, SEVERITIES) }, Number(r.n));
        }
      });
      return [...state.totals.samples(), ...(await openBySeverity(db, BUG_REPORTS_OPEN_SQL, BUG_SEVERITIES, M.bugReportsOpen))];
    },
  };
};
