/**
 * Security-relevant changes: profile changes by field and sensitive audit-log actions (events and
 * objects touched). Both incremental on their event time (profile_changes_changed_at_idx,
 * audit_log_occurred_at_idx). Audit actions outside the list are not security-relevant and ignored.
 */
import { AUDIT_ACTIONS, M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState } from './incremental';
import { allowList, fold } from '../metrics/labels';

export const PROFILE_CHANGES_SQL = `
  SELECT field, count(*) AS n
    FROM profile_changes
   WHERE changed_at > $1::timestamptz AND changed_at <= $2::timestamptz
   GROUP BY field`;

export const AUDIT_EVENTS_SQL = `
  SELECT action, count(*) AS n, coalesce(sum(object_count), 0) AS objects
    FROM audit_log
   WHERE occurred_at > $1::timestamptz AND occurred_at <= $2::timestamptz
     AND action = ANY($3::text[])
   GROUP BY action`;

export const audit: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const fields = allowList(config, 'profile_fields');
  return {
    name: 'audit',
    usesDatabase: true,
    metrics: [M.profileChangesTotal, M.auditEventsTotal, M.auditObjectsTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        // Zero series per action so "any bulk export" alerts see 0 -> 1, not absence -> 1.
        for (const action of AUDIT_ACTIONS) {
          staged.add(M.auditEventsTotal, { action }, 0);
          staged.add(M.auditObjectsTotal, { action }, 0);
        }
        for (const r of await db.query(PROFILE_CHANGES_SQL, [from, to])) {
          staged.add(M.profileChangesTotal, { field: fold(r.field, fields) }, Number(r.n));
        }
        for (const r of await db.query(AUDIT_EVENTS_SQL, [from, to, AUDIT_ACTIONS])) {
          staged.add(M.auditEventsTotal, { action: String(r.action) }, Number(r.n));
          staged.add(M.auditObjectsTotal, { action: String(r.action) }, Number(r.objects));
        }
      });
      return state.totals.samples();
    },
  };
};
