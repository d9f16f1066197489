/**
 * Incidents: open by severity, declared by severity (incremental on started_at), and downtime per
 * component. Downtime is incremental too: each cycle adds, per component, the overlap of every
 * critical incident's [started_at, resolved_at or +infinity) with the cycle's (from, to], so an
 * outage still open grows by the time that settled since the previous cycle and stops growing once
 * resolved. Summed over cycles this equals the settled part of each outage, counted once.
 */
import { INCIDENT_SEVERITIES, M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState } from './incremental';
import { openBySeverity } from './open-by-severity';
import { allowList, fold } from '../metrics/labels';

export const INCIDENTS_DECLARED_SQL = `
  SELECT severity, count(*) AS n
    FROM incidents
   WHERE started_at > $1::timestamptz AND started_at <= $2::timestamptz
   GROUP BY severity`;

/** Only incidents that overlap (from, to]: started before `to`, not resolved by `from`. */
export const DOWNTIME_SQL = `
  SELECT component,
         sum(extract(epoch FROM
               least(coalesce(resolved_at, 'infinity'::timestamptz), $2::timestamptz)
             - greatest(started_at, $1::timestamptz))) AS seconds
    FROM incidents
   WHERE severity = 'critical'
     AND started_at < $2::timestamptz
     AND (resolved_at IS NULL OR resolved_at > $1::timestamptz)
     AND coalesce(resolved_at, 'infinity'::timestamptz) > started_at
   GROUP BY component`;

export const INCIDENTS_OPEN_SQL = `
  SELECT severity, count(*) AS n
    FROM incidents
   WHERE started_at <= now() AND (resolved_at IS NULL OR resolved_at > now())
   GROUP BY severity`;

const SEVERITIES: ReadonlySet<string> = new Set(INCIDENT_SEVERITIES);

export const incidents: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const components = allowList(config, 'components');
  return {
    name: 'incidents',
    usesDatabase: true,
    metrics: [M.incidentsOpen, M.incidentsTotal, M.downtimeSecondsTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        // Zero series for every severity and component, so availability ratios exist before the first outage.
        for (const severity of INCIDENT_SEVERITIES) staged.add(M.incidentsTotal, { severity }, 0);
        for (const component of components) staged.add(M.downtimeSecondsTotal, { component }, 0);
        for (const r of await db.query(INCIDENTS_DECLARED_SQL, [from, to])) {
          staged.add(M.incidentsTotal, { severity: fold(r.severity, SEVERITIES) }, Number(r.n));
        }
        for (const r of await db.query(DOWNTIME_SQL, [from, to])) {
          staged.add(M.downtimeSecondsTotal, { component: fold(r.component, components) }, Number(r.seconds));
        }
      });
      return [...state.totals.samples(), ...(await openBySeverity(db, INCIDENTS_OPEN_SQL, INCIDENT_SEVERITIES, M.incidentsOpen))];
    },
  };
};
