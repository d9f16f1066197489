/** Open bug reports per severity as METRICS.md defines them, counted whole; unknown severities as `other`, absent at 0. */
import { BUG_SEVERITIES, M } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';

export const OPEN_BUG_REPORTS_SQL = `
  SELECT severity, count(*) AS n FROM bug_reports WHERE resolved_at IS NULL AND reported_at <= now() GROUP BY severity`;

export const bugReports: CollectorFactory = () => ({
  name: 'bug_reports',
  usesDatabase: true,
  metrics: [M.bugReportsOpen],
  async collect({ db }) {
    const open = new Map<string, number>(BUG_SEVERITIES.map((s) => [s, 0]));
    for (const r of await db.query(OPEN_BUG_REPORTS_SQL)) {
      const severity = (BUG_SEVERITIES as readonly string[]).includes(String(r.severity)) ? String(r.severity) : 'other';
      open.set(severity, (open.get(severity) ?? 0) + Number(r.n));
    }
    return [...open].map(([severity, value]) => ({ metric: M.bugReportsOpen, labels: { severity }, value }));
  },
});
