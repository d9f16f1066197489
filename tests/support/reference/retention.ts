/** Reference implementation (the collector before continuous aggregates: its query every cycle): the ground truth the incremental collector is compared with. */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { RETENTION_DAYS, RETENTION_SQL } from '../../../exporter/src/collectors/retention';

/** Day-N retention: RETENTION_SQL (one day of users per N, their sessions of yesterday) at every cycle. */
export const retention: CollectorFactory = () => ({
  name: 'retention',
  usesDatabase: true,
  metrics: [M.retentionRatio],
  async collect({ db }) {
    const out: Sample[] = [];
    for (const r of await db.query(RETENTION_SQL, [RETENTION_DAYS])) {
      const cohort = Number(r.cohort);
      out.push({ metric: M.retentionRatio, labels: { day: String(r.day) }, value: cohort > 0 ? Number(r.retained) / cohort : 0 });
    }
    return out;
  },
});
