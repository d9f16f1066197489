/**
 * Bug reports: open by severity, a running count (./running-open-count.ts: a cycle costs the reports
 * of the last `mutable_horizon`, not the unresolved backlog, which grows with history: 1,195 open at
 * 10M orders), and received by severity (incremental on reported_at). Unknown severities fold to
 * `other`. A report re-opened (resolved_at set back to NULL) more than `mutable_horizon` after its
 * resolution, or committed with a reported_at older than the horizon, waits for the full refresh
 * (drift `collector="bug_reports_open"`). The tail terms read bug_reports_resolved_idx and
 * bug_reports_reported_at_idx; the whole count, bug_reports_open_idx.
 */
import { BUG_SEVERITIES, M } from '../../../shared/catalogue';
import { fold } from '../metrics/labels';
import { IncrementalState } from './incremental';
import { severitySamples } from './open-by-severity';
import { type OpenSpan, RunningOpenCount } from './running-open-count';
import type { CollectorFactory } from './types';
import { windowSettings } from './window-facts';

export const BUG_REPORTS_RECEIVED_SQL = `
  SELECT severity, count(*) AS n
    FROM bug_reports
   WHERE reported_at > $1::timestamptz AND reported_at <= $2::timestamptz
   GROUP BY severity`;

/**
 * Open reports reported by now(), as every open report (an index-only scan of bug_reports_open_idx)
 * minus the open ones reported in the future (bug_reports_reported_at_idx, usually none): testing
 * reported_at on each open report would fetch every one of them from the heap. Both counts share
 * the statement's snapshot; the running count adds the two rows of a severity. Read each cycle only
 * where the backlog is small against the horizon's resolutions.
 */
export const BUG_REPORTS_OPEN_SQL = `
  SELECT severity AS g, count(*) AS n
    FROM bug_reports
   WHERE resolved_at IS NULL
   GROUP BY severity
  UNION ALL
  SELECT severity, -count(*)
    FROM bug_reports
   WHERE resolved_at IS NULL AND reported_at > now()
   GROUP BY severity`;

const SEVERITIES: ReadonlySet<string> = new Set(BUG_SEVERITIES);

/** Open bug reports as a running count per severity (the tail terms' statements come from this). */
export const OPEN_BUG_REPORTS: OpenSpan = {
  table: 'bug_reports',
  opened: 'reported_at',
  closed: 'resolved_at',
  group: 'severity',
  foldGroup: (severity) => fold(severity, SEVERITIES),
  byRanges: true,
  wholeSql: BUG_REPORTS_OPEN_SQL,
};

export const bugReports: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const open = new RunningOpenCount('bug_reports_open', OPEN_BUG_REPORTS);
  return {
    name: 'bug_reports',
    usesDatabase: true,
    metrics: [M.bugReportsOpen, M.bugReportsTotal, M.rollupDrift],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        for (const severity of BUG_SEVERITIES) staged.add(M.bugReportsTotal, { severity }, 0);
        for (const r of await db.query(BUG_REPORTS_RECEIVED_SQL, [from, to])) {
          staged.add(M.bugReportsTotal, { severity: fold(r.severity, SEVERITIES) }, Number(r.n));
        }
      });
      const openNow = await open.cycle(db, windowSettings(config));
      return [...state.totals.samples(), ...severitySamples(openNow, BUG_SEVERITIES, M.bugReportsOpen), ...open.selfSamples()];
    },
  };
};
