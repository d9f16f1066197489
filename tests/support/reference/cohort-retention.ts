/** Reference implementation (the collector before continuous aggregates: its queries every cycle): the ground truth the incremental collector is compared with. */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { COHORT_ACTIVE_SQL, COHORT_SIZES_SQL, COHORT_WEEKS } from '../../../exporter/src/collectors/cohort-retention';

/** Weekly cohort retention: both queries at every cycle. */
export const cohortRetention: CollectorFactory = () => ({
  name: 'cohort_retention',
  usesDatabase: true,
  metrics: [M.cohortRetentionRatio],
  async collect({ db }) {
    const sizes = new Map<number, number>();
    for (const r of await db.query(COHORT_SIZES_SQL, [COHORT_WEEKS])) sizes.set(Number(r.k), Number(r.users));
    const active = new Map<string, number>();
    for (const r of await db.query(COHORT_ACTIVE_SQL, [COHORT_WEEKS])) active.set(`${r.k}/${r.w}`, Number(r.users));
    const out: Sample[] = [];
    for (let k = 1; k <= COHORT_WEEKS; k++) {
      const size = sizes.get(k) ?? 0;
      for (let w = 0; w < k; w++) {
        const n = active.get(`${k}/${w}`) ?? 0;
        out.push({
          metric: M.cohortRetentionRatio,
          labels: { cohort_weeks_ago: String(k), weeks_since_signup: String(w) },
          value: size > 0 ? n / size : 0,
        });
      }
    }
    return out;
  },
});
